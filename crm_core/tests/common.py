from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class CrmCoreCommon(TransactionCase):
    """Fixtures shared by the crm_core tests.

    Two companies: ``company`` (the main company, Germany) and ``company_b``
    (Austria). ``salesman`` and ``manager`` work in ``company``; ``salesman_b``
    works only in ``company_b``. The customer "Alpenblick Werkzeuge GmbH" has two
    contacts, Jana and Lukas, and a won stage exists for revenue figures.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref("base.de")
        cls.company_b = cls.env["res.company"].create(
            {
                "name": "Tiroler Vertrieb AG",
                "country_id": cls.env.ref("base.at").id,
            }
        )
        cls.salesman = new_test_user(
            cls.env,
            login="crm_core_salesman",
            name="Sabine Vertrieb",
            groups="sales_team.group_sale_salesman_all_leads",
            email="sabine@example.com",
        )
        cls.manager = new_test_user(
            cls.env,
            login="crm_core_manager",
            name="Martin Leitung",
            groups="sales_team.group_sale_manager",
        )
        cls.salesman_b = new_test_user(
            cls.env,
            login="crm_core_salesman_b",
            name="Bernd Tirol",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Alpenblick Werkzeuge GmbH",
                "is_company": True,
                "email": "info@alpenblick.example",
                "country_id": cls.env.ref("base.de").id,
                "user_id": cls.salesman.id,
            }
        )
        cls.contact_jana = cls.env["res.partner"].create(
            {
                "name": "Jana Berger",
                "parent_id": cls.customer.id,
                "email": "jana.berger@alpenblick.example",
            }
        )
        cls.contact_lukas = cls.env["res.partner"].create(
            {
                "name": "Lukas Huber",
                "parent_id": cls.customer.id,
                "email": "lukas.huber@alpenblick.example",
            }
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "Neu", "sequence": 1})
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Gewonnen", "is_won": True, "sequence": 99}
        )
