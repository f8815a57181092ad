from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_core.tests.test_screenshots import CrmScreenshotCase


@tagged("post_install", "-at_install", "crm_screenshots")
class TestPipelineScreenshots(CrmScreenshotCase):
    """Pipeline, forecast, dashboard and at-risk screens on Odoo's demo deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.negotiated = Lead.search([("name", "=", "Info about services")])
        cls.negotiated.stage_id = cls.env.ref("crm_pipeline.stage_negotiation")
        cls.late = Lead.search(
            [("name", "in", ["Global Solutions: Furnitures", "Office Design and Architecture"])]
        )
        cls.late.date_deadline = fields.Date.today() - timedelta(days=12)
        Lead.search([("type", "=", "opportunity")])._crm_update_risk()
        Lead.search([("name", "=", "Need 20 Desks")]).crm_forecast_category = "commit"
        Lead.search([("name", "=", "Quote for 600 Chairs")]).crm_forecast_category = "best_case"
        today = fields.Date.today()
        cls.env["crm.forecast.target"].create(
            {
                "user_id": cls.env.ref("base.user_admin").id,
                "year": today.year,
                "quarter": str((today.month - 1) // 3 + 1),
                "amount": 40000,
            }
        )

    def test_pipeline_screens(self):
        self.assertEqual(len(self.negotiated), 1, "demo deal 'Info about services' missing")
        self.assertEqual(len(self.late), 2)
        self.assertTrue(all(self.late.mapped("crm_is_at_risk")))
        stages = ["Lead", "Qualified", "Quote", "Negotiation", "Won"]
        german_stages = ["Lead", "Qualifiziert", "Angebot", "Verhandlung", "Gewonnen"]
        forecast = "/odoo/action-crm_pipeline.crm_forecast_report_action"
        screens = [
            {
                "name": "pipeline_kanban",
                "url": "/odoo/crm",
                "selector": ".o_kanban_renderer",
                "zoom": 0.75,
                "texts": {
                    "en_US": [*stages, "Info about services", "Need 20 Desks"],
                    "de_DE": [*german_stages, "Info about services"],
                },
            },
            {
                "name": "forecast_pivot",
                "url": forecast,
                "selector": ".o_pivot_view",
                # Collapse the salesperson columns: one column per measure.
                "clicks": ["thead .o_pivot_header_cell_opened"],
                "texts": {
                    "en_US": ["Weighted Pipeline", "Commit", "Best Case", "Gap to Target", "Total"],
                    "de_DE": ["Gesamt"],
                },
            },
            {
                "name": "forecast_graph",
                "url": forecast + "?view_type=graph",
                "selector": ".o_action_manager",
                "wait_for": ".o_graph_renderer canvas",
                "settle": 1500,
                "texts": {"en_US": ["Sales Forecast"], "de_DE": ["Umsatzprognose"]},
            },
            {
                "name": "sales_dashboard",
                "url": "/odoo/action-crm_pipeline.crm_pipeline_dashboard_action",
                "selector": ".o_crm_pipeline_dashboard",
                "texts": {
                    "en_US": ["Sales Dashboard", "Win Rate", "Open Pipeline", "Negotiation"],
                    "de_DE": ["Gewinnquote", "Verhandlung"],
                },
            },
            {
                "name": "at_risk",
                "url": "/odoo/action-crm_pipeline.crm_lead_action_at_risk",
                "selector": ".o_list_view",
                "texts": {
                    "en_US": [
                        "Global Solutions: Furnitures",
                        "Office Design and Architecture",
                        "Closing date passed",
                    ],
                    "de_DE": ["Global Solutions: Furnitures", "Office Design and Architecture"],
                },
            },
        ]
        for lang in self.crm_languages():
            self.crm_screens("admin", screens, lang=lang)
