from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CrmCoreCommon
from .test_access_matrix_common import ALLOWED, DENIED, AccessMatrixMixin


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixMixin, CrmCoreCommon):
    """Who reads, writes, creates and deletes what in crm_core.

    Users of the main company: ``own`` (own documents only), ``all`` (all
    documents, the salesperson of the colleague's leads) and ``manager``.
    ``other`` works only in company B, ``multi`` in both companies. ``portal``
    and ``public`` are the external users.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_a, company_b = cls.company, cls.company_b
        cls.users = {
            "own": new_test_user(
                cls.env,
                login="matrix_core_own",
                name="Olga Eigene",
                groups="sales_team.group_sale_salesman",
            ),
            "all": cls.salesman,
            "manager": cls.manager,
            "other": cls.salesman_b,
            "multi": new_test_user(
                cls.env,
                login="matrix_core_multi",
                name="Mia Beide",
                groups="sales_team.group_sale_salesman_all_leads",
                company_id=company_a.id,
                company_ids=[Command.set((company_a | company_b).ids)],
            ),
            "portal": new_test_user(
                cls.env, login="matrix_core_portal", name="Paul Portal", groups="base.group_portal"
            ),
            "public": cls.env.ref("base.public_user"),
        }
        own = cls.users["own"]
        Lead = cls.env["crm.lead"]

        def lead(name, contact, email, user, company=company_a):
            return Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "contact_name": contact,
                    "email_from": email,
                    "user_id": user.id if user else False,
                    "company_id": company.id,
                }
            )

        # Lead pairs sharing an email: own and unassigned, both of the
        # colleague, both in company B.
        cls.lead_own = lead("Matrix Eigene Chance", "Ute Vogel", "vogel@matrix.example", own)
        cls.lead_nobody = lead("Matrix Ohne Vertrieb", "Karl Brenner", "vogel@matrix.example", None)
        cls.lead_colleague = lead("Matrix Kollege Eins", "Ida Lorenz", "lorenz@matrix.example",
                                  cls.salesman)
        cls.lead_colleague_2 = lead("Matrix Kollege Zwei", "Otto Wendt", "lorenz@matrix.example",
                                    cls.salesman)
        cls.lead_b = lead("Matrix Tirol Eins", "Eva Kranz", "kranz@matrix.example",
                          cls.salesman_b, company=company_b)
        cls.lead_b_2 = lead("Matrix Tirol Zwei", "Jan Pohl", "kranz@matrix.example",
                            cls.salesman_b, company=company_b)
        cls.leads = (cls.lead_own | cls.lead_nobody | cls.lead_colleague | cls.lead_colleague_2
                     | cls.lead_b | cls.lead_b_2)
        cls.partner_1 = cls.env["res.partner"].create(
            {"name": "Kontor Nord GmbH", "email": "kontor@matrix.example", "is_company": True}
        )
        cls.partner_2 = cls.env["res.partner"].create(
            {"name": "Nordkontor Handel", "email": "kontor@matrix.example", "is_company": True}
        )
        Pair = cls.env["crm.duplicate.pair"]
        Pair._crm_refresh_for(cls.leads)
        Pair._crm_refresh_for(cls.partner_1 | cls.partner_2)
        cls.pair_domain = [
            "|",
            "&", ("model_name", "=", "crm.lead"), ("record_id", "in", cls.leads.ids),
            "&", ("model_name", "=", "res.partner"), ("record_id", "=", cls.partner_1.id),
        ]
        pairs = Pair.search(cls.pair_domain)
        cls.pair_own = pairs.filtered(lambda pair: pair.record_id == cls.lead_own.id)
        cls.pair_colleague = pairs.filtered(lambda pair: pair.record_id == cls.lead_colleague.id)

        # Scoring configuration of each company, events on the leads
        cls.rule_a = cls.env["crm.score.rule"].create(
            {"name": "Matrix Messebesuch", "points": 5, "company_id": company_a.id}
        )
        cls.rule_b = cls.env["crm.score.rule"].create(
            {"name": "Matrix Tiroler Messe", "points": 5, "company_id": company_b.id}
        )
        Event = cls.env["crm.score.event"]
        cls.events = (
            Event._record_event("download", lead=cls.lead_own, source_ref="matrix-own")
            | Event._record_event(
                "download", lead=cls.lead_colleague, source_ref="matrix-colleague"
            )
            | Event._record_event("download", lead=cls.lead_b, source_ref="matrix-tirol")
            | Event._record_event(
                "website_visit", partner=cls.partner_1, source_ref="matrix-partner"
            )
        )

        # Timeline: one note on the own lead, one on the colleague's
        cls.lead_own.message_post(body="Matrix: Rabatt 5 % zugesagt", message_type="comment")
        cls.lead_colleague.message_post(body="Matrix: Rabatt 30 % intern", message_type="comment")

        # 360° figures of Alpenblick: an open opportunity of ``own`` and one of
        # the colleague in company A, one in company B on a third contact.
        cls.customer_b_contact = cls.env["res.partner"].create(
            {"name": "Tiroler Filiale", "parent_id": cls.customer.id}
        )
        for user, contact, company, revenue in (
            (own, cls.contact_jana, company_a, 1000.0),
            (cls.salesman, cls.contact_lukas, company_a, 3000.0),
            (cls.salesman_b, cls.customer_b_contact, company_b, 8000.0),
        ):
            Lead.create(
                {
                    "name": f"Matrix Alpenblick {revenue:.0f}",
                    "type": "opportunity",
                    "partner_id": contact.id,
                    "user_id": user.id,
                    "company_id": company.id,
                    "expected_revenue": revenue,
                    "probability": 50.0,
                }
            )
        cls.env.flush_all()

    def test_duplicate_pairs(self):
        read = (self.pair_domain, "duplicate_name")
        own_visible = ["Matrix Ohne Vertrieb", "Nordkontor Handel"]
        all_visible = ["Matrix Kollege Zwei", "Matrix Ohne Vertrieb", "Nordkontor Handel"]
        dismiss_own = (self.pair_own, {"state": "dismissed"})
        dismiss_colleague = (self.pair_colleague, {"state": "dismissed"})
        new_pair = {
            "model_name": "res.partner",
            "record_id": self.partner_1.id,
            "duplicate_id": self.customer.id,
        }
        model = "crm.duplicate.pair"
        cells = [
            # A salesperson limited to their own leads does not read the
            # name of a colleague's lead through a pair.
            ("own", model, "read", read, own_visible),
            ("all", model, "read", read, all_visible),
            ("manager", model, "read", read, all_visible),
            ("other", model, "read", read, ["Matrix Tirol Zwei", "Nordkontor Handel"]),
            ("multi", model, "read", read, sorted([*all_visible, "Matrix Tirol Zwei"])),
            ("portal", model, "read", read, DENIED),
            ("public", model, "read", read, DENIED),
            ("own", model, "write", dismiss_own, ALLOWED),
            ("own", model, "write", dismiss_colleague, DENIED),
            ("all", model, "write", dismiss_colleague, ALLOWED),
            ("other", model, "write", dismiss_own, DENIED),
            ("own", model, "create", new_pair, DENIED),
            ("manager", model, "create", new_pair, ALLOWED),
            ("own", model, "unlink", self.pair_own, DENIED),
            ("all", model, "unlink", self.pair_own, DENIED),
            ("manager", model, "unlink", self.pair_own, ALLOWED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_duplicate_pair_follows_lead_salesperson(self):
        """Giving the colleague's leads to ``own`` shows their pair to ``own``."""
        Pair = self.env["crm.duplicate.pair"].with_user(self.users["own"])
        self.assertNotIn(self.pair_colleague, Pair.search(self.pair_domain))
        (self.lead_colleague | self.lead_colleague_2).user_id = self.users["own"]
        self.assertIn(self.pair_colleague, Pair.search(self.pair_domain))
        self.assertEqual(self.pair_colleague.with_user(self.users["own"]).duplicate_name,
                         "Matrix Kollege Zwei")

    def test_duplicate_pair_removed_with_lead(self):
        pair = self.pair_colleague
        self.assertEqual(pair.lead_id, self.lead_colleague)
        self.assertEqual(pair.duplicate_lead_id, self.lead_colleague_2)
        self.lead_colleague_2.unlink()
        self.assertFalse(pair.exists())

    def test_scoring_configuration(self):
        read = ([("name", "like", "Matrix")], "name")
        rule_values = {"name": "Matrix Neue Regel", "points": 3}
        automation_values = {"name": "Matrix Hinweis", "score_threshold": 80, "action": "notify"}
        required_values = {
            "model_name": "res.partner",
            "field_id": self.env["ir.model.fields"]._get("res.partner", "vat").id,
        }
        rule, automation, required = (
            "crm.score.rule",
            "crm.score.automation",
            "crm.required.field",
        )
        cells = [
            ("own", rule, "read", read, ["Matrix Messebesuch"]),
            ("other", rule, "read", read, ["Matrix Tiroler Messe"]),
            ("multi", rule, "read", read, ["Matrix Messebesuch", "Matrix Tiroler Messe"]),
            ("portal", rule, "read", read, DENIED),
            ("public", rule, "read", read, DENIED),
            ("own", rule, "create", rule_values, DENIED),
            ("all", rule, "create", rule_values, DENIED),
            ("manager", rule, "create", rule_values, ALLOWED),
            ("own", rule, "write", (self.rule_a, {"points": 50}), DENIED),
            ("manager", rule, "write", (self.rule_a, {"points": 50}), ALLOWED),
            ("manager", rule, "write", (self.rule_b, {"points": 50}), DENIED),
            ("all", rule, "unlink", self.rule_a, DENIED),
            ("manager", rule, "unlink", self.rule_a, ALLOWED),
            ("own", automation, "create", automation_values, DENIED),
            ("manager", automation, "create", automation_values, ALLOWED),
            ("portal", automation, "count", [], DENIED),
            ("own", required, "create", required_values, DENIED),
            ("manager", required, "create", required_values, ALLOWED),
            ("portal", required, "count", [], DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_score_events(self):
        read = ([("id", "in", self.events.ids)], "source_ref")
        model = "crm.score.event"
        cells = [
            ("own", model, "read", read, ["matrix-own", "matrix-partner"]),
            ("all", model, "read", read, ["matrix-colleague", "matrix-own", "matrix-partner"]),
            ("other", model, "read", read, ["matrix-partner", "matrix-tirol"]),
            ("multi", model, "read", read,
             ["matrix-colleague", "matrix-own", "matrix-partner", "matrix-tirol"]),
            ("portal", model, "read", read, DENIED),
            ("public", model, "read", read, DENIED),
            # Events come from the scoring API only.
            ("all", model, "create",
             {"event_type": "download", "lead_id": self.lead_own.id}, DENIED),
            ("all", model, "unlink", self.events[:1], DENIED),
            ("manager", model, "unlink", self.events[:1], ALLOWED),
            # The API records the event for any internal user, whatever their rights.
            ("own", model, "call",
             lambda Event: bool(Event._record_event("reply", lead=self.lead_own)), True),
        ]
        self.run_access_matrix(self.users, cells)

    def test_timeline(self):
        count = [("lead_id", "in", self.leads.ids), ("summary", "like", "Matrix:")]
        model = "crm.interaction"
        cells = [
            ("own", model, "count", count, 1),
            ("all", model, "count", count, 2),
            ("manager", model, "count", count, 2),
            ("other", model, "count", count, 0),
            ("multi", model, "count", count, 2),
            ("portal", model, "count", count, DENIED),
            ("public", model, "count", count, DENIED),
        ]
        self.env["crm.interaction"].flush_model()
        self.run_access_matrix(self.users, cells)
        interaction = self.env["crm.interaction"].search(count, limit=1)
        self.run_access_matrix(
            self.users,
            [
                ("manager", model, "write", (interaction, {"name": "Geändert"}), DENIED),
                ("manager", model, "unlink", interaction, DENIED),
            ],
        )

    def test_customer_360_figures(self):
        """Figures count every salesperson's deals of the enabled companies and
        never raise for a user who cannot read the deals themselves."""

        def figures(Partner):
            values = Partner.browse(self.customer.id).read(
                ["crm_open_opportunity_count", "crm_open_opportunity_value"]
            )[0]
            return (values["crm_open_opportunity_count"], values["crm_open_opportunity_value"])

        def figures_both_companies(Partner):
            companies = (self.company | self.company_b).ids
            return figures(Partner.with_context(allowed_company_ids=companies))

        model = "res.partner"
        cells = [
            ("own", model, "call", figures, (2, 2000.0)),
            ("all", model, "call", figures, (2, 2000.0)),
            ("other", model, "call", figures, (1, 4000.0)),
            ("multi", model, "call", figures, (3, 6000.0)),
            ("multi", model, "call", figures_both_companies, (3, 6000.0)),
            ("portal", model, "call", figures, DENIED),
            ("public", model, "call", figures, DENIED),
            ("own", "crm.lead", "read", ([("id", "in", self.leads.ids)], "name"),
             ["Matrix Eigene Chance", "Matrix Ohne Vertrieb"]),
            ("portal", "crm.lead", "count", [], DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_wizards(self):
        model = "crm.log.interaction"
        cells = [
            ("portal", model, "count", [], DENIED),
            ("public", model, "count", [], DENIED),
            ("portal", "crm.data.quality.dashboard", "count", [], DENIED),
        ]
        self.run_access_matrix(self.users, cells)
