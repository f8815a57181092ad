from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmPipelineCase


@tagged("post_install", "-at_install")
class TestAtRisk(CrmPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.crm_risk_inactivity_days = 10

    def _reasons(self, deal, now):
        return deal._crm_compute_risk_reasons(now=now).get(deal.id)

    def test_no_activity_for_n_days(self):
        with self._moment("2026-01-01 10:00:00"):
            quiet = self._create_deal(name="Quiet", date_deadline="2026-06-30")
            busy = self._create_deal(name="Busy", date_deadline="2026-06-30")
        with self._moment("2026-01-08 10:00:00"):
            busy.message_post(body="Called the customer", message_type="comment")
        self.assertEqual(self._reasons(quiet, datetime(2026, 1, 11, 9, 0)), [])
        self.assertEqual(self._reasons(quiet, datetime(2026, 1, 11, 11, 0)), ["no_activity"])
        self.assertEqual(self._reasons(busy, datetime(2026, 1, 11, 11, 0)), [])
        self.assertEqual(self._reasons(busy, datetime(2026, 1, 18, 11, 0)), ["no_activity"])

    def test_closing_date_passed(self):
        with self._moment("2026-03-01 10:00:00"):
            deal = self._create_deal(date_deadline="2026-03-05")
        self.assertEqual(self._reasons(deal, datetime(2026, 3, 5, 23, 0)), [])
        self.assertEqual(self._reasons(deal, datetime(2026, 3, 6, 0, 1)), ["deadline_passed"])

    def test_stuck_longer_than_team_usual_time(self):
        # Three earlier deals of the team spent 4, 5 and 6 days in Qualified.
        for days in (4, 5, 6):
            done = self._create_deal(name=f"Done in {days} days", active=False)
            done.crm_stage_history_ids.write(
                {
                    "date_entered": datetime(2025, 1, 1),
                    "date_left": datetime(2025, 1, 1) + timedelta(days=days),
                }
            )
        with self._moment("2026-04-01 08:00:00"):
            deal = self._create_deal(date_deadline="2026-12-31")
            deal.message_post(body="Qualified", message_type="comment")
        self.assertEqual(self._reasons(deal, datetime(2026, 4, 5, 8, 0)), [])
        self.assertEqual(self._reasons(deal, datetime(2026, 4, 6, 9, 0)), ["stuck"])

    def test_probability_dropped(self):
        with self._moment("2026-05-01 10:00:00"):
            deal = self._create_deal(probability=60, date_deadline="2026-12-31")
        with self._moment("2026-05-04 10:00:00"):
            deal.probability = 30
        self.assertEqual(deal.crm_probability_drop_date, datetime(2026, 5, 4, 10, 0))
        self.assertEqual(self._reasons(deal, datetime(2026, 5, 5, 10, 0)), ["probability_drop"])
        self.assertNotIn("probability_drop", self._reasons(deal, datetime(2026, 5, 19, 10, 0)))

    def test_expired_quote(self):
        with self._moment("2026-06-01 10:00:00"):
            deal = self._create_deal(date_deadline="2026-12-31")
            self.env["sale.order"].create(
                {
                    "partner_id": self.customer.id,
                    "opportunity_id": deal.id,
                    "validity_date": "2026-06-10",
                }
            )
        self.assertEqual(self._reasons(deal, datetime(2026, 6, 10, 12, 0)), [])
        self.assertEqual(self._reasons(deal, datetime(2026, 6, 11, 8, 0)), ["quote_overdue"])

    def test_won_and_lost_deals_are_not_at_risk(self):
        with self._moment("2026-01-01 10:00:00"):
            won = self._create_deal(stage_id=self.stage_won.id, probability=100)
            lost = self._create_deal(date_deadline="2026-01-02")
            lost.action_set_lost()
        reasons = (won | lost)._crm_compute_risk_reasons(now=datetime(2026, 6, 1))
        self.assertEqual(reasons, {})

    def test_cron_flags_and_clears(self):
        with self._moment("2026-01-01 10:00:00"):
            deal = self._create_deal(date_deadline="2026-01-05")
        deal._crm_update_risk(now=datetime(2026, 1, 20))
        self.assertTrue(deal.crm_is_at_risk)
        self.assertEqual(deal.crm_risk_codes, "no_activity,deadline_passed")
        self.assertEqual(deal.crm_risk_summary, "No activity, Closing date passed")
        self.assertIn(
            deal, self.env["crm.lead"].search([("crm_risk_reason", "=", "deadline_passed")])
        )
        deal.write({"date_deadline": "2026-12-31"})
        deal.message_post(body="Back on track", message_type="comment")
        self.env["crm.lead"]._cron_update_risk()
        self.assertFalse(deal.crm_is_at_risk)
        self.assertFalse(deal.crm_risk_codes)

    def test_weekly_digest_to_salesperson_and_manager(self):
        deal = self._create_deal(name="Brewery extension", expected_revenue=12000)
        other = self._create_deal(name="Quiet chapel", user_id=self.salesperson_2.id)
        (deal | other).write({"crm_is_at_risk": True, "crm_risk_codes": "no_activity"})
        sent = self.env["crm.lead"]._cron_send_risk_digest()
        self.assertEqual(sent, 3)
        mails = self.env["mail.mail"].search(
            [("subject", "=", "Your deals at risk this week")]
        )
        by_recipient = {mail.recipient_ids: mail for mail in mails}
        sam_mail = by_recipient[self.salesperson.partner_id]
        self.assertIn("Brewery extension", sam_mail.body_html)
        self.assertNotIn("Quiet chapel", sam_mail.body_html)
        manager_mail = by_recipient[self.manager.partner_id]
        self.assertIn("Brewery extension", manager_mail.body_html)
        self.assertIn("Quiet chapel", manager_mail.body_html)
        self.assertIn("No activity", manager_mail.body_html)

    def test_cron_resumes_after_stored_position(self):
        today = fields.Date.today()
        deals = self.env["crm.lead"].concat(
            *[
                self._create_deal(name=f"Overdue {index}", date_deadline=today - timedelta(days=3))
                for index in range(4)
            ]
        )
        # A run of today was cut after the second deal.
        cursor = "crm_pipeline.risk_cursor"
        self.env["ir.config_parameter"].sudo().set_param(cursor, f"{today}:{deals[1].id}")
        self.env["crm.lead"]._cron_update_risk(batch_size=1)
        self.assertEqual(deals.mapped("crm_is_at_risk"), [False, False, True, True])
        self.assertEqual(
            self.env["ir.config_parameter"].sudo().get_param(cursor), f"{today}:{deals[3].id}"
        )
        # A second run the same day checks only the deals created since.
        late = self._create_deal(name="Late", date_deadline=today - timedelta(days=3))
        self.assertEqual(self.env["crm.lead"]._cron_update_risk(batch_size=1), 1)
        self.assertTrue(late.crm_is_at_risk)
        self.assertFalse(deals[0].crm_is_at_risk)
        # A cursor of an earlier day starts a new pass.
        self.env["ir.config_parameter"].sudo().set_param(cursor, f"{today - timedelta(days=1)}:0")
        self.env["crm.lead"]._cron_update_risk(batch_size=2)
        self.assertTrue(all(deals.mapped("crm_is_at_risk")))

    def test_cron_skips_deal_that_fails(self):
        overdue = fields.Date.today() - timedelta(days=3)
        deals = self.env["crm.lead"].concat(
            *[self._create_deal(name=f"Overdue {i}", date_deadline=overdue) for i in range(3)]
        )
        # The database rejects the flag of the second deal.
        self.env.flush_all()
        self.env.cr.execute(
            f"""
            CREATE FUNCTION crm_test_reject() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'test: deal % rejected', NEW.id;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER crm_test_reject BEFORE UPDATE ON crm_lead FOR EACH ROW
                WHEN (NEW.id = {deals[1].id} AND NEW.crm_is_at_risk)
                EXECUTE FUNCTION crm_test_reject();
            """
        )
        with self.assertLogs("odoo.addons.crm_pipeline.models.crm_lead", "ERROR") as logs:
            with mute_logger("odoo.sql_db"):
                self.env["crm.lead"]._cron_update_risk(batch_size=3)
        self.assertIn(f"At-risk check failed for lead {deals[1].id}, skipped", logs.output[0])
        self.assertEqual(deals.mapped("crm_is_at_risk"), [True, False, True])

    def test_weekly_digest_sent_once_a_week(self):
        deal = self._create_deal(name="Brewery extension", expected_revenue=12000)
        deal.write({"crm_is_at_risk": True, "crm_risk_codes": "no_activity"})
        Lead = self.env["crm.lead"]
        self.assertEqual(Lead._cron_send_risk_digest(), 2)
        self.assertEqual(Lead._cron_send_risk_digest(), 0, "a second run the same week")
        mails = self.env["mail.mail"].search([("subject", "=", "Your deals at risk this week")])
        self.assertEqual(len(mails), 2)
        # The digest of last week does not hold back this week's.
        year, week, _weekday = (fields.Date.today() - timedelta(days=7)).isocalendar()
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_pipeline.risk_digest_week", f"{year}-W{week:02d}:0"
        )
        self.assertEqual(Lead._cron_send_risk_digest(), 2)

    def test_risk_check_queries_do_not_grow(self):
        def count_queries(deals):
            self.env.registry.clear_cache()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            deals._crm_compute_risk_reasons(now=datetime(2026, 9, 1))
            return self.env.cr.sql_log_count - start

        Lead = self.env["crm.lead"]
        few = Lead.concat(*[self._create_deal(name=f"Few {index}") for index in range(3)])
        many = Lead.concat(*[self._create_deal(name=f"Many {index}") for index in range(15)])
        self.env.flush_all()
        self.assertEqual(count_queries(few), count_queries(many))
