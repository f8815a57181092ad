from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmPipelineCase


@tagged("post_install", "-at_install")
class TestForecast(CrmPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Deals of Q3 2030 for Sam: three open ones and one won.
        cls.deal_small = cls._create_deal(
            name="Small", expected_revenue=10000, probability=20, date_deadline="2030-08-15"
        )
        cls.deal_medium = cls._create_deal(
            name="Medium",
            expected_revenue=5000,
            probability=50,
            date_deadline="2030-09-30",
            crm_forecast_category="best_case",
        )
        cls.deal_big = cls._create_deal(
            name="Big",
            expected_revenue=8000,
            probability=75,
            date_deadline="2030-07-01",
            crm_forecast_category="commit",
        )
        cls.deal_won = cls._create_deal(
            name="Won",
            stage_id=cls.stage_won.id,
            expected_revenue=4000,
            probability=100,
            date_closed=datetime(2030, 7, 10, 12, 0),
        )
        # Same quarter, other salesperson; and Sam's deal of the next quarter.
        cls.deal_other = cls._create_deal(
            name="Sophie's", user_id=cls.salesperson_2.id, expected_revenue=7000,
            probability=10, date_deadline="2030-08-01",
        )
        cls.deal_next_quarter = cls._create_deal(
            name="Next", expected_revenue=9000, probability=90, date_deadline="2030-10-01"
        )
        cls.env["crm.forecast.target"].create(
            [
                {"user_id": cls.salesperson.id, "team_id": cls.team.id, "year": 2030,
                 "quarter": "3", "amount": 12000},
                {"team_id": cls.team.id, "year": 2030, "quarter": "3", "amount": 30000},
            ]
        )

    def _forecast(self, domain, user=None):
        Report = self.env["crm.forecast.report"]
        if user:
            Report = Report.with_user(user)
        totals = Report._get_forecast_totals(domain, groupby=("date:quarter",))
        return {entry["date:quarter"]: entry for entry in totals}

    def test_weighted_forecast_by_quarter(self):
        forecast = self._forecast([("user_id", "=", self.salesperson.id)])
        q3 = forecast[date(2030, 7, 1)]
        # 10000 × 20 % + 5000 × 50 % + 8000 × 75 %, not 23000 × the average 48.3 %
        self.assertAlmostEqual(q3["weighted_revenue"], 10500.0)
        self.assertAlmostEqual(q3["commit_revenue"], 8000.0)
        self.assertAlmostEqual(q3["best_case_revenue"], 13000.0)
        self.assertAlmostEqual(q3["won_revenue"], 4000.0)
        self.assertAlmostEqual(q3["target_amount"], 12000.0)
        self.assertAlmostEqual(q3["gap"], 8000.0)
        self.assertEqual(q3["deal_count"], 4)
        self.assertAlmostEqual(forecast[date(2030, 10, 1)]["weighted_revenue"], 8100.0)

    def test_team_forecast_and_gap(self):
        forecast = self._forecast([("team_id", "=", self.team.id)])
        q3 = forecast[date(2030, 7, 1)]
        self.assertAlmostEqual(q3["weighted_revenue"], 11200.0)
        self.assertAlmostEqual(q3["team_target_amount"], 30000.0)
        self.assertAlmostEqual(q3["team_gap"], 26000.0)

    def test_forecast_by_month(self):
        totals = self.env["crm.forecast.report"]._get_forecast_totals(
            [("user_id", "=", self.salesperson.id)], groupby=("date:month",)
        )
        by_month = {entry["date:month"]: entry for entry in totals}
        self.assertAlmostEqual(by_month[date(2030, 7, 1)]["weighted_revenue"], 6000.0)
        self.assertAlmostEqual(by_month[date(2030, 7, 1)]["won_revenue"], 4000.0)
        self.assertAlmostEqual(by_month[date(2030, 8, 1)]["weighted_revenue"], 2000.0)
        self.assertAlmostEqual(by_month[date(2030, 9, 1)]["weighted_revenue"], 2500.0)

    def test_recurring_revenue_split(self):
        plan = self.env["crm.recurring.plan"].create({"name": "Yearly", "number_of_months": 12})
        self._create_deal(
            name="Subscription", expected_revenue=1000, recurring_revenue=2400,
            recurring_plan=plan.id, probability=50, date_deadline="2031-02-01",
        )
        q1 = self._forecast([("user_id", "=", self.salesperson.id)])[date(2031, 1, 1)]
        self.assertAlmostEqual(q1["expected_revenue"], 1000.0)
        report = self.env["crm.forecast.report"].search([("lead_id.name", "=", "Subscription")])
        self.assertAlmostEqual(report.recurring_revenue_monthly, 200.0)
        self.assertAlmostEqual(report.weighted_recurring_revenue_monthly, 100.0)

    def test_move_category_from_forecast(self):
        row = self.env["crm.forecast.report"].search([("lead_id", "=", self.deal_small.id)])
        row.write({"forecast_category": "commit"})
        self.assertEqual(self.deal_small.crm_forecast_category, "commit")
        won_row = self.env["crm.forecast.report"].search([("lead_id", "=", self.deal_won.id)])
        won_row.write({"forecast_category": "pipeline"})
        self.assertEqual(won_row.forecast_category, "won")

    def test_forecast_pdf(self):
        rows = self.env["crm.forecast.report"].search([("user_id", "=", self.salesperson.id)])
        lines = rows._get_pdf_lines()
        q3_total = next(
            line for line in lines if line["quarter"] == "Q3 2030" and line["is_total"]
        )
        self.assertAlmostEqual(q3_total["weighted_revenue"], 10500.0)
        self.assertAlmostEqual(q3_total["gap"], 8000.0)
        html, report_type = self.env["ir.actions.report"]._render_qweb_html(
            "crm_pipeline.report_crm_forecast", rows.ids
        )
        self.assertEqual(report_type, "html")
        self.assertIn(b"Q3 2030", html)
        self.assertIn(b"Sam Sales", html)

    def test_salesperson_sees_own_forecast_only(self):
        rows = self.env["crm.forecast.report"].with_user(self.salesperson_2).search([])
        self.assertIn(self.deal_other, rows.lead_id)
        self.assertNotIn(self.deal_small, rows.lead_id)
        targets = self.env["crm.forecast.target"].with_user(self.salesperson_2).search([])
        self.assertEqual(targets.mapped("amount"), [30000.0])
        manager_rows = self.env["crm.forecast.report"].with_user(self.manager).search([])
        self.assertIn(self.deal_small, manager_rows.lead_id)

    def test_portal_user_cannot_read_forecast(self):
        portal = new_test_user(self.env, login="pipe_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["crm.forecast.report"].with_user(portal).search([])
        with self.assertRaises(AccessError):
            self.env["crm.forecast.target"].with_user(portal).search([])


@tagged("post_install", "-at_install")
class TestForecastCurrency(CrmPipelineCase):
    def test_amounts_in_company_currency_at_closing_date(self):
        other_currency = self.env["res.currency"].with_context(active_test=False).search(
            [("id", "!=", self.currency.id), ("name", "in", ("CHF", "EUR", "USD"))], limit=1
        )
        other_currency.active = True
        Rate = self.env["res.currency.rate"]
        Rate.search([("currency_id", "in", (self.currency | other_currency).ids)]).unlink()
        Rate.create(
            [
                {"currency_id": other_currency.id, "name": "2020-01-01", "rate": 2.0,
                 "company_id": self.company.id},
                {"currency_id": other_currency.id, "name": "2020-06-01", "rate": 4.0,
                 "company_id": self.company.id},
            ]
        )
        other_company = self.env["res.company"].create(
            {"name": "Adler Schweiz AG", "currency_id": other_currency.id}
        )
        self.salesperson.company_ids += other_company
        self._create_deal(
            name="Foreign won",
            company_id=other_company.id,
            team_id=False,
            stage_id=self.stage_won.id,
            expected_revenue=1000,
            probability=100,
            date_closed=datetime(2020, 3, 10),
        )
        self._create_deal(
            name="Foreign open", company_id=other_company.id, team_id=False, expected_revenue=1000,
            probability=50, date_deadline="2020-03-20",
        )
        self._create_deal(
            name="Home won", stage_id=self.stage_won.id, expected_revenue=300,
            probability=100, date_closed=datetime(2020, 2, 1),
        )
        q1 = self._forecast_q1_2020()
        # 1000 at the rate of 10 March (2.0) + 300 at home
        self.assertAlmostEqual(q1["won_revenue"], 800.0)
        # open: today's rate (4.0): 1000 / 4 × 50 %
        self.assertAlmostEqual(q1["weighted_revenue"], 125.0)
        self.assertAlmostEqual(q1["expected_revenue"], 1050.0)

    def _forecast_q1_2020(self):
        totals = self.env["crm.forecast.report"]._get_forecast_totals(
            [("user_id", "=", self.salesperson.id)], groupby=("date:quarter",)
        )
        return {entry["date:quarter"]: entry for entry in totals}[date(2020, 1, 1)]


@tagged("post_install", "-at_install")
class TestForecastTimezone(CrmPipelineCase):
    def test_quarter_boundary_in_user_timezone(self):
        auckland_user = new_test_user(
            self.env,
            login="pipe_auckland",
            groups="sales_team.group_sale_salesman_all_leads",
            tz="Pacific/Auckland",
        )
        # 31 March 2026 23:30 in Auckland (NZDT, UTC+13) is 10:30 UTC.
        self._create_deal(
            name="Last evening of Q1", stage_id=self.stage_won.id, expected_revenue=1000,
            probability=100, date_closed=datetime(2026, 3, 31, 10, 30),
        )
        # 1 April 2026 00:30 in Auckland is still 31 March (11:30) in UTC.
        self._create_deal(
            name="First night of Q2", stage_id=self.stage_won.id, expected_revenue=500,
            probability=100, date_closed=datetime(2026, 3, 31, 11, 30),
        )
        domain = [("user_id", "=", self.salesperson.id)]
        in_auckland = {
            entry["date:quarter"]: entry["won_revenue"]
            for entry in self.env["crm.forecast.report"]
            .with_user(auckland_user)
            ._get_forecast_totals(domain)
        }
        self.assertEqual(in_auckland, {date(2026, 1, 1): 1000.0, date(2026, 4, 1): 500.0})
        in_utc = {
            entry["date:quarter"]: entry["won_revenue"]
            for entry in self.env["crm.forecast.report"]
            .with_user(self.manager)
            ._get_forecast_totals(domain)
        }
        self.assertEqual(in_utc, {date(2026, 1, 1): 1500.0})
