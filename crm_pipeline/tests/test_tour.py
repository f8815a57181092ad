from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestForecastTour(HttpCase):
    def test_manager_moves_deal_category_from_forecast(self):
        manager = new_test_user(
            self.env,
            login="pipe_tour_manager",
            name="Tour Manager",
            groups="sales_team.group_sale_manager,base.group_user",
            tz="UTC",
        )
        deal = self.env["crm.lead"].create(
            {
                "name": "Tour Brewery Deal",
                "type": "opportunity",
                "user_id": manager.id,
                "expected_revenue": 15000,
                "probability": 40,
                "date_deadline": "2031-08-14",
                "stage_id": self.env.ref("crm_pipeline.stage_qualified").id,
            }
        )
        self.assertEqual(deal.crm_forecast_category, "pipeline")
        self.start_tour(
            "/odoo/action-crm_pipeline.crm_forecast_report_action",
            "crm_pipeline_forecast_tour",
            login="pipe_tour_manager",
        )
        self.assertEqual(deal.crm_forecast_category, "commit")

    def test_manager_opens_dashboard(self):
        manager = new_test_user(
            self.env,
            login="pipe_tour_dashboard",
            name="Tour Manager",
            groups="sales_team.group_sale_manager,base.group_user",
            tz="UTC",
        )
        team = self.env["crm.team"].create(
            {"name": "Tour Team", "user_id": manager.id, "member_ids": [(4, manager.id)]}
        )
        Lead = self.env["crm.lead"]
        values = {"type": "opportunity", "user_id": manager.id, "team_id": team.id}
        Lead.create({**values, "name": "Tour won", "expected_revenue": 1000,
                     "stage_id": self.env.ref("crm_pipeline.stage_won").id})
        Lead.create({**values, "name": "Tour lost", "expected_revenue": 500}).action_set_lost()
        self.start_tour(
            "/odoo/action-crm_pipeline.crm_pipeline_dashboard_action",
            "crm_pipeline_dashboard_tour",
            login="pipe_tour_dashboard",
        )
