import csv
import os
import shutil
import statistics
import tempfile
from collections import Counter, defaultdict
from datetime import date

from odoo.tests import tagged

from .common import CrmPipelineCase

# Rows of the Maven sales_pipeline.csv imported by the test: enough for every
# outcome and several quarters, small enough to keep the test fast.
SAMPLE_ROWS = 300
SAMPLE_TEAM = "West"


def maven_folder():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.environ.get("CRM_SUITE_DATA") or os.path.join(
        os.path.dirname(repo), "shared", "data", "maven_crm"
    )


@tagged("post_install", "-at_install")
class TestDashboardMavenFigures(CrmPipelineCase):
    """Import a sample of the Maven pipeline with the module's importer and
    compare the dashboard with the figures computed by hand from the CSV."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        source = maven_folder()
        pipeline_path = os.path.join(source, "sales_pipeline.csv")
        if not os.path.isfile(pipeline_path):
            raise AssertionError(
                f"Maven CRM data not found: {pipeline_path} is missing. Set "
                "CRM_SUITE_DATA to the folder holding sales_pipeline.csv."
            )
        cls.sample_dir = tempfile.mkdtemp(prefix="crm_pipeline_maven_")
        cls.addClassCleanup(shutil.rmtree, cls.sample_dir)
        for name in ("accounts.csv", "products.csv", "sales_teams.csv"):
            shutil.copyfile(os.path.join(source, name), os.path.join(cls.sample_dir, name))
        with open(pipeline_path, newline="", encoding="utf-8") as source_file:
            lines = source_file.readlines()[: SAMPLE_ROWS + 1]
        sample_path = os.path.join(cls.sample_dir, "sales_pipeline.csv")
        with open(sample_path, "w", encoding="utf-8") as sample:
            sample.writelines(lines)
        with open(os.path.join(source, "sales_teams.csv"), newline="", encoding="utf-8") as teams:
            office_by_agent = {
                row["sales_agent"]: row["regional_office"] for row in csv.DictReader(teams)
            }
        with open(sample_path, newline="", encoding="utf-8") as sample:
            cls.rows = [
                row for row in csv.DictReader(sample)
                if office_by_agent.get(row["sales_agent"]) == SAMPLE_TEAM
            ]

        result = cls.env["crm.pipeline.import"]._import_maven_folder(cls.sample_dir)
        cls.summary = result._get_summary()
        cls.team_west = cls.env["crm.team"].search([("name", "=", SAMPLE_TEAM)], limit=1)
        cls.dashboard = cls.env["crm.pipeline.dashboard"].with_user(cls.manager).get_dashboard_data(
            team_id=cls.team_west.id
        )

    def test_sample_imported_completely(self):
        self.assertEqual(self.summary["rejected"], 0, self.summary["messages"])
        self.assertEqual(self.summary["created"], SAMPLE_ROWS)
        self.assertTrue(self.team_west, "the importer creates one team per regional office")

    def test_win_rate(self):
        outcomes = Counter(row["deal_stage"] for row in self.rows)
        expected = 100.0 * outcomes["Won"] / (outcomes["Won"] + outcomes["Lost"])
        summary = self.dashboard["summary"]
        self.assertEqual(summary["won_count"], outcomes["Won"])
        self.assertEqual(summary["lost_count"], outcomes["Lost"])
        self.assertAlmostEqual(summary["win_rate"], expected, places=6)

    def test_won_revenue_per_close_quarter(self):
        expected = defaultdict(float)
        for row in self.rows:
            if row["deal_stage"] == "Won":
                closed = date.fromisoformat(row["close_date"])
                quarter = f"Q{(closed.month - 1) // 3 + 1} {closed.year}"
                expected[quarter] += float(row["close_value"])
        shown = {
            entry["quarter"]: entry["won_revenue"] for entry in self.dashboard["won_by_quarter"]
        }
        self.assertEqual(shown.keys(), expected.keys())
        for quarter, amount in expected.items():
            self.assertAlmostEqual(shown[quarter], amount, places=2, msg=quarter)

    def test_average_and_median_won_sales_cycle(self):
        cycles = [
            (date.fromisoformat(row["close_date"]) - date.fromisoformat(row["engage_date"])).days
            for row in self.rows
            if row["deal_stage"] == "Won"
        ]
        summary = self.dashboard["summary"]
        self.assertAlmostEqual(summary["average_cycle_days"], statistics.mean(cycles), places=6)
        self.assertAlmostEqual(summary["median_cycle_days"], statistics.median(cycles), places=6)

    def test_deals_per_salesperson(self):
        expected = Counter(row["sales_agent"] for row in self.rows)
        shown = {entry["name"]: entry["deal_count"] for entry in self.dashboard["salespeople"]}
        self.assertEqual(shown, dict(expected))

    def test_salesperson_sees_only_own_figures(self):
        agent = self.dashboard["salespeople"][0]
        user = self.env["res.users"].browse(agent["id"])
        user.groups_id = [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id,
                                  self.env.ref("base.group_user").id])]
        own = self.env["crm.pipeline.dashboard"].with_user(user).get_dashboard_data(
            team_id=self.team_west.id
        )
        self.assertEqual([entry["name"] for entry in own["salespeople"]], [agent["name"]])
        self.assertEqual(own["salespeople"][0]["deal_count"], agent["deal_count"])


@tagged("post_install", "-at_install")
class TestDashboardFigures(CrmPipelineCase):
    def test_funnel_lost_reasons_and_capacity(self):
        reason = self.env["crm.lost.reason"].create({"name": "Too expensive"})
        with self._moment("2026-01-05 09:00:00"):
            won = self._create_deal(name="Won", stage_id=self.stage_lead.id, expected_revenue=1000)
            lost = self._create_deal(name="Lost", stage_id=self.stage_lead.id, expected_revenue=400)
            open_deal = self._create_deal(
                name="Open", stage_id=self.stage_lead.id, expected_revenue=700
            )
        with self._moment("2026-01-10 09:00:00"):
            (won | lost | open_deal).write({"stage_id": self.stage_qualified.id})
        with self._moment("2026-01-20 09:00:00"):
            (won | open_deal).write({"stage_id": self.stage_quote.id})
            lost.action_set_lost(lost_reason_id=reason.id)
        with self._moment("2026-02-04 09:00:00"):
            won.action_set_won()
        self.team.crm_team_member_ids.filtered(
            lambda member: member.user_id == self.salesperson
        ).assignment_max = 2

        data = self.env["crm.pipeline.dashboard"].with_user(self.manager).get_dashboard_data(
            year=2026, team_id=self.team.id
        )
        funnel = {
            entry["stage"]: (entry["reached"], entry["conversion"]) for entry in data["funnel"]
        }
        self.assertEqual(funnel["Lead"], (3, 100.0))
        self.assertEqual(funnel["Qualified"][0], 3)
        self.assertAlmostEqual(funnel["Qualified"][1], 200.0 / 3)
        self.assertEqual(funnel["Quote"], (2, 50.0))
        self.assertEqual(funnel["Won"], (1, None))
        self.assertEqual(
            data["lost_reasons"], [{"reason": "Too expensive", "count": 1, "value": 400.0}]
        )
        self.assertEqual(data["summary"]["win_rate"], 50.0)
        self.assertEqual(data["summary"]["average_cycle_days"], 30.0)
        stages = {entry["stage"]: entry["value"] for entry in data["pipeline_by_stage"]}
        self.assertEqual(stages, {"Quote": 700.0})
        capacity = {entry["name"]: entry for entry in data["capacity"]}
        self.assertEqual(capacity["Sam Sales"]["open_count"], 1)
        self.assertEqual(capacity["Sam Sales"]["capacity"], 2)

    def test_dashboard_queries_do_not_grow(self):
        def count_queries():
            # Creating records may clear the registry caches (record rules):
            # count both calls with cold caches.
            self.env.registry.clear_cache()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            Dashboard.get_dashboard_data(team_id=self.team.id)
            return self.env.cr.sql_log_count - start

        Dashboard = self.env["crm.pipeline.dashboard"].with_user(self.manager)
        self._create_deal(name="First", expected_revenue=100)
        self.env.flush_all()
        before = count_queries()
        for index in range(10):
            self._create_deal(name=f"More {index}", expected_revenue=100)
        self.env.flush_all()
        self.assertEqual(count_queries(), before)
