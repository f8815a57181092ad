from freezegun import freeze_time
from psycopg2 import IntegrityError
from psycopg2.errors import SerializationFailure

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestRenewal(CrmErpBridgeCommon):
    """Renewal opportunities from products sold with a term."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.support = cls.env["product.product"].create(
            {
                "name": "Support contract",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 1200.0,
                "taxes_id": [(6, 0, cls.tax_15.ids)],
                "crm_renewal_months": 12,
            }
        )
        cls.customer.crm_account_manager_id = cls.other_salesman
        # Sold 350 days ago: the term ends in about 15 days, inside the
        # 30-day notice. Sold 100 days ago: ends in about 265 days.
        with freeze_time(cls.days_ago(350)):
            cls.due_order = cls.create_order(
                [(cls.support, 2, 1200.0), (cls.service, 1, 100.0)]
            )
        with freeze_time(cls.days_ago(100)):
            cls.later_order = cls.create_order([(cls.support, 1, 1200.0)])
        # Consulting sold 360 days ago from an opportunity on a yearly plan.
        cls.yearly_plan = cls.env["crm.recurring.plan"].create(
            {"name": "Every year (test)", "number_of_months": 12, "sequence": 0}
        )
        cls.plan_lead = cls.create_opportunity(name="Yearly consulting")
        cls.plan_lead.recurring_plan = cls.yearly_plan
        with freeze_time(cls.days_ago(360)):
            cls.plan_order = cls.create_order([(cls.service, 5, 100.0)], lead=cls.plan_lead)
        cls.due_line = cls.due_order.order_line.filtered(
            lambda line: line.product_id == cls.support
        )

    def _renewals(self):
        return self.env["crm.lead"].search(
            [
                (
                    "crm_renewal_line_id",
                    "in",
                    (self.due_order | self.later_order | self.plan_order).order_line.ids,
                )
            ]
        )

    def test_renewal_created_once(self):
        expected_date = self.days_ago(350).replace(year=self.days_ago(350).year + 1)
        self.assertEqual(self.due_line.crm_renewal_date, expected_date)
        self.assertFalse(
            (self.due_order.order_line - self.due_line).crm_renewal_date,
            "a product without a term has no renewal",
        )

        created = self.env["sale.order.line"]._cron_create_renewal_opportunities()
        self.assertEqual(created, 2)
        renewals = self._renewals()
        self.assertEqual(len(renewals), 2)
        from_plan = renewals.filtered(
            lambda lead: lead.crm_renewal_line_id.order_id == self.plan_order
        )
        self.assertEqual(from_plan.expected_revenue, 500.0)
        self.assertEqual(
            from_plan.crm_renewal_date,
            self.days_ago(360).replace(year=self.days_ago(360).year + 1),
        )
        renewal = renewals - from_plan
        self.assertEqual(renewal.crm_renewal_line_id, self.due_line)
        self.assertEqual(renewal.partner_id, self.customer)
        self.assertEqual(renewal.user_id, self.other_salesman, "the account manager")
        self.assertEqual(renewal.expected_revenue, 2400.0, "untaxed, from the last order")
        self.assertEqual(renewal.date_deadline, expected_date, "shows in the forecast")
        self.assertEqual(renewal.recurring_revenue_monthly, 200.0, "2,400 over 12 months")
        self.assertEqual(renewal.type, "opportunity")
        activity = renewal.activity_ids
        self.assertEqual(activity.user_id, self.other_salesman)
        self.assertIn(self.due_order.name, activity.summary)

        # A second run, or a second worker, creates nothing more.
        self.assertEqual(self.env["sale.order.line"]._cron_create_renewal_opportunities(), 0)
        self.assertEqual(len(self._renewals()), 2)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["crm.lead"].create(
                    self.due_line._crm_prepare_renewal_values()
                )
                self.env.flush_all()

    def test_renewal_batches(self):
        # With a 300-day notice both lines are due; batches of one take
        # them in two rounds.
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_erp_bridge.renewal_notice_days", "300"
        )
        created = self.env["sale.order.line"]._cron_create_renewal_opportunities(
            batch_size=1
        )
        self.assertEqual(created, 3)
        self.assertEqual(
            self._renewals().crm_renewal_line_id,
            self.due_line | self.later_order.order_line | self.plan_order.order_line,
        )
        self.assertEqual(
            self.env["crm.lead"].search(
                [("id", "in", self._renewals().ids), ("crm_renewal_line_id", "!=", False)]
            ),
            self._renewals(),
        )

    def test_conflict_with_other_worker_is_retried(self):
        """A serialization failure (another worker changed the same rows) rolls
        the batch back for the next run instead of skipping the line."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            CREATE FUNCTION crm_test_conflict() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'test: concurrent update'
                    USING ERRCODE = 'serialization_failure';
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER crm_test_conflict BEFORE INSERT ON crm_lead FOR EACH ROW
                WHEN (NEW.crm_renewal_line_id IS NOT NULL)
                EXECUTE FUNCTION crm_test_conflict();
            """
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(SerializationFailure):
            with self.env.cr.savepoint():
                self.env["sale.order.line"]._cron_create_renewal_opportunities()
        self.env.cr.execute("DROP TRIGGER crm_test_conflict ON crm_lead")
        self.assertEqual(self.env["sale.order.line"]._cron_create_renewal_opportunities(), 2)
        self.assertEqual(len(self._renewals()), 2)
