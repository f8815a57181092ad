from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, new_test_user


class CrmPipelineCase(TransactionCase):
    """Fixtures shared by the crm_pipeline tests.

    - ``manager``: sales manager, leader of ``team`` (sees every deal);
    - ``salesperson`` and ``salesperson_2``: members of ``team`` who see only
      their own deals;
    - ``customer``: a company with one contact ``customer_contact``;
    - the five suite stages as ``stage_lead`` ... ``stage_won``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.manager = new_test_user(
            cls.env,
            login="pipe_manager",
            name="Martha Manager",
            email="martha.manager@example.com",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
            tz="UTC",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="pipe_sales",
            name="Sam Sales",
            email="sam.sales@example.com",
            groups="sales_team.group_sale_salesman",
            tz="UTC",
        )
        cls.salesperson_2 = new_test_user(
            cls.env,
            login="pipe_sales_2",
            name="Sophie Sales",
            email="sophie.sales@example.com",
            groups="sales_team.group_sale_salesman",
            tz="UTC",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Pipeline Test Team",
                "user_id": cls.manager.id,
                "member_ids": [(4, cls.salesperson.id), (4, cls.salesperson_2.id)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Brauerei Adler GmbH", "is_company": True, "email": "info@adler.example.com"}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {
                "name": "Anna Adler",
                "parent_id": cls.customer.id,
                "email": "anna@adler.example.com",
            }
        )
        cls.stage_lead = cls.env.ref("crm_pipeline.stage_lead")
        cls.stage_qualified = cls.env.ref("crm_pipeline.stage_qualified")
        cls.stage_quote = cls.env.ref("crm_pipeline.stage_quote")
        cls.stage_negotiation = cls.env.ref("crm_pipeline.stage_negotiation")
        cls.stage_won = cls.env.ref("crm_pipeline.stage_won")

    @classmethod
    def _create_deal(cls, **values):
        """Create an opportunity of ``salesperson`` in ``team`` for ``customer``."""
        defaults = {
            "name": "Deal",
            "type": "opportunity",
            "user_id": cls.salesperson.id,
            "team_id": cls.team.id,
            "partner_id": cls.customer.id,
            "stage_id": cls.stage_qualified.id,
            "company_id": cls.company.id,
        }
        defaults.update(values)
        return cls.env["crm.lead"].create(defaults)

    @contextmanager
    def _moment(self, when):
        """Run the block at ``when`` (UTC): Python's clock and the database
        transaction time that the ORM uses for create_date and crm.lead's
        date_open and date_last_stage_update."""
        moment = fields.Datetime.to_datetime(when)
        with freeze_time(moment), patch.object(type(self.env.cr), "now", lambda cr: moment):
            yield
            # Stored computes run at flush time: run them at ``when`` too.
            self.env.flush_all()
