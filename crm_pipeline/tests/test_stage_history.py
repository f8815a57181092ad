from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CrmPipelineCase


@tagged("post_install", "-at_install")
class TestStageHistory(CrmPipelineCase):
    def test_suite_stages_replace_default_stages(self):
        stages = self.env["crm.stage"].search([("team_id", "=", False)])
        self.assertEqual(
            stages.mapped("name"), ["Lead", "Qualified", "Quote", "Negotiation", "Won"]
        )
        self.assertFalse(self.env.ref("crm.stage_lead1").active)
        self.assertEqual(
            stages.mapped("crm_default_probability"), [10.0, 25.0, 50.0, 75.0, 100.0]
        )

    def test_new_deal_starts_in_first_stage(self):
        deal = self.env["crm.lead"].create({"name": "Fresh lead", "type": "opportunity"})
        self.assertEqual(deal.stage_id, self.stage_lead)
        self.assertEqual(len(deal.crm_stage_history_ids), 1)

    def test_stage_changes_record_durations(self):
        with self._moment("2026-02-02 09:00:00"):
            deal = self._create_deal(stage_id=self.stage_lead.id, expected_revenue=5000)
        with self._moment("2026-02-04 09:00:00"):
            deal.stage_id = self.stage_qualified
        with self._moment("2026-02-07 21:00:00"):
            deal.action_set_won()

        history = deal.crm_stage_history_ids
        self.assertEqual(history.stage_id, self.stage_lead | self.stage_qualified | self.stage_won)
        lead_entry, qualified_entry, won_entry = history
        self.assertEqual(lead_entry.date_entered, datetime(2026, 2, 2, 9, 0))
        self.assertEqual(lead_entry.date_left, datetime(2026, 2, 4, 9, 0))
        self.assertAlmostEqual(lead_entry.duration_days, 2.0)
        self.assertAlmostEqual(qualified_entry.duration_days, 3.5)
        self.assertEqual(won_entry.date_entered, datetime(2026, 2, 7, 21, 0))
        self.assertFalse(won_entry.date_left)
        self.assertTrue(won_entry.is_current)
        self.assertEqual(won_entry.user_id, self.salesperson)
        self.assertEqual(won_entry.team_id, self.team)

    def test_lost_deal_leaves_stage_and_restore_reopens(self):
        with self._moment("2026-03-01 08:00:00"):
            deal = self._create_deal()
        with self._moment("2026-03-11 08:00:00"):
            deal.action_set_lost()
        self.assertEqual(len(deal.crm_stage_history_ids), 1)
        self.assertEqual(deal.crm_stage_history_ids.date_left, datetime(2026, 3, 11, 8, 0))
        self.assertAlmostEqual(deal.crm_stage_history_ids.duration_days, 10.0)

        with self._moment("2026-03-12 08:00:00"):
            deal.action_unarchive()
        open_entry = deal.crm_stage_history_ids.filtered("is_current")
        self.assertEqual(open_entry.stage_id, self.stage_qualified)
        self.assertEqual(open_entry.date_entered, datetime(2026, 3, 12, 8, 0))

    def test_imported_won_deal_history_from_dates(self):
        deal = self._create_deal(
            stage_id=self.stage_won.id,
            expected_revenue=1054,
            probability=100,
            date_open=datetime(2016, 10, 20),
            date_closed=datetime(2017, 3, 1),
        )
        before_won, won = deal.crm_stage_history_ids
        self.assertEqual(before_won.stage_id, self.stage_negotiation)
        self.assertEqual(before_won.date_entered, datetime(2016, 10, 20))
        self.assertEqual(before_won.date_left, datetime(2017, 3, 1))
        self.assertAlmostEqual(before_won.duration_days, 132.0)
        self.assertEqual(won.stage_id, self.stage_won)
        self.assertEqual(won.date_entered, datetime(2017, 3, 1))

    def test_imported_lost_deal_history_from_dates(self):
        deal = self._create_deal(
            active=False,
            probability=0,
            date_open=datetime(2017, 1, 5),
            date_closed=datetime(2017, 1, 25),
        )
        self.assertEqual(len(deal.crm_stage_history_ids), 1)
        self.assertEqual(deal.crm_stage_history_ids.stage_id, self.stage_qualified)
        self.assertAlmostEqual(deal.crm_stage_history_ids.duration_days, 20.0)

    def test_backfill_leads_without_history(self):
        deal = self._create_deal(date_open=datetime(2025, 6, 1))
        deal.crm_stage_history_ids.unlink()
        created = self.env["crm.lead"]._crm_backfill_stage_history()
        self.assertGreaterEqual(created, 1)
        self.assertEqual(deal.crm_stage_history_ids.origin, "backfill")
        self.assertEqual(deal.crm_stage_history_ids.date_entered, datetime(2025, 6, 1))
        self.assertEqual(self.env["crm.lead"]._crm_backfill_stage_history(), 0)

    def test_required_fields_block_stage(self):
        deal = self._create_deal(partner_id=False)
        with self.assertRaisesRegex(ValidationError, "Quote.*Customer"):
            deal.stage_id = self.stage_quote
        deal.partner_id = self.customer
        deal.expected_revenue = 3000
        deal.stage_id = self.stage_quote
        self.assertEqual(deal.stage_id, self.stage_quote)

    def test_completeness_only_field_does_not_block(self):
        self.env["crm.required.field"].create(
            {
                "model_name": "crm.lead",
                "field_id": self.env.ref("crm.field_crm_lead__expected_revenue").id,
                "stage_id": self.stage_won.id,
            }
        )
        deal = self._create_deal(expected_revenue=0)
        deal.action_set_won()
        self.assertEqual(deal.stage_id, self.stage_won)

    def test_stage_sets_default_probability(self):
        deal = self._create_deal(expected_revenue=3000, date_deadline="2030-01-31")
        deal.stage_id = self.stage_negotiation
        self.assertEqual(deal.probability, 75.0)
        deal.write({"stage_id": self.stage_quote.id, "probability": 40})
        self.assertEqual(deal.probability, 40.0)
