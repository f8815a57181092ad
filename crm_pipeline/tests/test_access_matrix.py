from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_core.tests.test_access_matrix_common import (
    ALLOWED,
    DENIED,
    AccessMatrixMixin,
)

from .common import CrmPipelineCase


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixMixin, CrmPipelineCase):
    """Who reads, writes, creates and deletes what in crm_pipeline.

    Deals of the test team: Sam's, Sophie's and one without a salesperson;
    one deal of company B. Sam and Sophie see their own documents only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_b = cls.env["res.company"].create({"name": "Adler Ost GmbH"})
        cls.users = {
            "own": cls.salesperson,
            "all": new_test_user(
                cls.env,
                login="matrix_pipe_all",
                name="Alex Alle",
                groups="sales_team.group_sale_salesman_all_leads",
            ),
            "manager": cls.manager,
            "other_company": new_test_user(
                cls.env,
                login="matrix_pipe_company_b",
                name="Olaf Ost",
                groups="sales_team.group_sale_manager",
                company_id=company_b.id,
                company_ids=[Command.set(company_b.ids)],
            ),
            "portal": new_test_user(
                cls.env, login="matrix_pipe_portal", name="Pia Portal", groups="base.group_portal"
            ),
            "public": cls.env.ref("base.public_user"),
        }
        cls.deal_sam = cls._create_deal(name="Matrix Sam", expected_revenue=1000.0)
        cls.deal_sophie = cls._create_deal(
            name="Matrix Sophie", user_id=cls.salesperson_2.id, expected_revenue=2000.0
        )
        cls.deal_nobody = cls._create_deal(
            name="Matrix Niemand", user_id=False, expected_revenue=4000.0
        )
        cls.team_b = cls.env["crm.team"].create({"name": "Team Ost", "company_id": company_b.id})
        cls.deal_b = cls._create_deal(
            name="Matrix Ost",
            user_id=cls.users["other_company"].id,
            team_id=cls.team_b.id,
            company_id=company_b.id,
        )
        cls.deals = cls.deal_sam | cls.deal_sophie | cls.deal_nobody | cls.deal_b

        Target = cls.env["crm.forecast.target"]
        year = 2031
        cls.targets = Target.create(
            [
                {"year": year, "quarter": "1", "user_id": cls.salesperson.id,
                 "team_id": cls.team.id, "amount": 100.0},
                {"year": year, "quarter": "1", "user_id": cls.salesperson_2.id,
                 "team_id": cls.team.id, "amount": 200.0},
                {"year": year, "quarter": "1", "team_id": cls.team.id, "amount": 400.0},
                {"year": year, "quarter": "1", "team_id": cls.team_b.id, "amount": 800.0,
                 "company_id": company_b.id},
            ]
        )
        cls.env.flush_all()

    def test_deals_and_stage_history(self):
        # Names of the deals whose history entries the user finds.
        history = ([("lead_id", "in", self.deals.ids)], "lead_id.name")
        model = "crm.lead.stage.history"
        entry = self.env[model].search([("lead_id", "=", self.deal_sam.id)], limit=1)
        cells = [
            ("own", model, "read", history, ["Matrix Niemand", "Matrix Sam"]),
            ("all", model, "read", history,
             ["Matrix Niemand", "Matrix Sam", "Matrix Sophie"]),
            ("manager", model, "read", history,
             ["Matrix Niemand", "Matrix Sam", "Matrix Sophie"]),
            ("other_company", model, "read", history, ["Matrix Ost"]),
            ("portal", model, "read", history, DENIED),
            ("public", model, "read", history, DENIED),
            ("own", model, "write", (entry, {"date_left": "2031-01-01 00:00:00"}), DENIED),
            ("manager", model, "write", (entry, {"date_left": "2031-01-01 00:00:00"}), ALLOWED),
            ("own", model, "unlink", entry, DENIED),
            # Pipeline fields on the deals follow crm's rules on the deals.
            ("own", "crm.lead", "call",
             lambda Lead: Lead.browse(self.deal_sam.id).read(["crm_days_in_stage"])[0][
                 "crm_days_in_stage"], 0),
            ("own", "crm.lead", "call",
             lambda Lead: Lead.browse(self.deal_sophie.id).read(["crm_days_in_stage"]), DENIED),
            ("other_company", "crm.lead", "call",
             lambda Lead: Lead.browse(self.deal_sam.id).read(["crm_is_at_risk"]), DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_targets(self):
        read = ([("id", "in", self.targets.ids)], "amount")
        model = "crm.forecast.target"
        new_target = {"year": 2032, "quarter": "2", "team_id": self.team.id, "amount": 10.0}
        cells = [
            # Own target and the team's, not a colleague's.
            ("own", model, "read", read, [100.0, 400.0]),
            ("all", model, "read", read, [100.0, 200.0, 400.0]),
            ("manager", model, "read", read, [100.0, 200.0, 400.0]),
            ("other_company", model, "read", read, [800.0]),
            ("portal", model, "read", read, DENIED),
            ("public", model, "read", read, DENIED),
            ("own", model, "create", new_target, DENIED),
            ("manager", model, "create", new_target, ALLOWED),
            ("own", model, "write", (self.targets[0], {"amount": 1.0}), DENIED),
            ("manager", model, "write", (self.targets[0], {"amount": 1.0}), ALLOWED),
            ("other_company", model, "write", (self.targets[0], {"amount": 1.0}), DENIED),
            ("manager", model, "unlink", self.targets[2], ALLOWED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_reports_and_dashboard(self):
        def open_deals(Dashboard):
            return Dashboard.get_dashboard_data(team_id=self.team.id)["summary"]["open_count"]

        deals = [("lead_id", "in", self.deals.ids)]
        analysis, forecast = "crm.pipeline.analysis", "crm.forecast.report"
        cells = [
            ("own", analysis, "count", deals, 2),
            ("all", analysis, "count", deals, 3),
            ("other_company", analysis, "count", deals, 1),
            ("portal", analysis, "count", deals, DENIED),
            ("public", analysis, "count", deals, DENIED),
            ("own", forecast, "read", (deals, "lead_id.name"), ["Matrix Niemand", "Matrix Sam"]),
            ("all", forecast, "read", (deals, "lead_id.name"),
             ["Matrix Niemand", "Matrix Sam", "Matrix Sophie"]),
            ("other_company", forecast, "read", (deals, "lead_id.name"), ["Matrix Ost"]),
            ("portal", forecast, "count", deals, DENIED),
            # The dashboard reads the analysis with the user's rules.
            ("own", "crm.pipeline.dashboard", "call", open_deals, 2),
            ("all", "crm.pipeline.dashboard", "call", open_deals, 3),
            ("other_company", "crm.pipeline.dashboard", "call", open_deals, 0),
            ("portal", "crm.pipeline.dashboard", "call", open_deals, DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_imports(self):
        pipeline_import = self.env["crm.pipeline.import"].create({"name": "Matrix Import"})
        model = "crm.pipeline.import"
        read = ([("id", "=", pipeline_import.id)], "name")
        cells = [
            ("manager", model, "read", read, ["Matrix Import"]),
            ("other_company", model, "read", read, []),
            ("own", model, "read", read, DENIED),
            ("all", model, "read", read, DENIED),
            ("portal", model, "read", read, DENIED),
            ("own", model, "create", {"name": "Matrix Eigener Import"}, DENIED),
            ("manager", model, "create", {"name": "Matrix Eigener Import"}, ALLOWED),
            ("own", "crm.pipeline.import.line", "count", [], DENIED),
            ("own", "crm.pipeline.import.mapping", "count", [], DENIED),
        ]
        self.run_access_matrix(self.users, cells)
