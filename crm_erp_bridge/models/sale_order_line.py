import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models, modules
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, config

_logger = logging.getLogger(__name__)

# Order lines handled per cron batch. Each one creates an opportunity and an
# activity (an estimated 30 queries), so a batch stays well under a minute.
RENEWAL_BATCH_SIZE = 100
# Days before the end of a term when the renewal opportunity is created,
# unless the system parameter below sets another value.
RENEWAL_NOTICE_DAYS = 30
RENEWAL_NOTICE_PARAMETER = "crm_erp_bridge.renewal_notice_days"
# One renewal opportunity per order line and term end (crm.lead's crm_renewal_unique).
RENEWAL_UNIQUE_CONSTRAINT = "crm_lead_crm_renewal_unique"


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    crm_renewal_date = fields.Date(
        string="Renewal Date",
        compute="_compute_crm_renewal_date",
        store=True,
        index="btree_not_null",
        help="End of the term this line sells: order date plus the product's "
        "renewal term, or plus the months of the opportunity's recurring plan.",
    )

    @api.depends(
        "order_id.state",
        "order_id.date_order",
        "order_id.opportunity_id.recurring_plan.number_of_months",
        "product_id.crm_renewal_months",
        "is_downpayment",
    )
    def _compute_crm_renewal_date(self):
        for line in self:
            months = line._crm_get_renewal_months()
            sold = line.order_id.state == "sale" and not line.display_type
            if months and sold and not line.is_downpayment:
                start = line.order_id.date_order.date()
                line.crm_renewal_date = start + relativedelta(months=months)
            else:
                line.crm_renewal_date = False

    # ------------------------------------------------------------------
    # Renewals
    # ------------------------------------------------------------------

    def _crm_get_renewal_months(self):
        """Return the term in months the line sells: the product's renewal
        term, else the recurring plan of the order's opportunity, else 0."""
        self.ensure_one()
        plan = self.order_id.opportunity_id.recurring_plan
        return self.product_id.crm_renewal_months or plan.number_of_months or 0

    @api.model
    def _cron_create_renewal_opportunities(self, batch_size=RENEWAL_BATCH_SIZE):
        """Create a renewal opportunity and an activity for each confirmed
        order line whose term ends within the notice period.

        Runs daily. Lines are locked with SKIP LOCKED so two workers share the
        work, and a line gets at most one renewal per term end (unique
        constraint on the opportunity). Each batch is committed outside tests, so a
        timeout resumes where it stopped.
        """
        notice_days = int(
            self.env["ir.config_parameter"].sudo().get_param(
                RENEWAL_NOTICE_PARAMETER, RENEWAL_NOTICE_DAYS
            )
        )
        horizon = fields.Date.context_today(self) + timedelta(days=notice_days)
        in_test = config["test_enable"] or modules.module.current_test
        created = 0
        failed_ids = []
        while True:
            lines = self._crm_lock_renewal_batch(horizon, batch_size, failed_ids)
            if not lines:
                break
            for line in lines:
                try:
                    with self.env.cr.savepoint():
                        line._crm_create_renewal_opportunity()
                    created += 1
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    # Another worker changed the same rows (the customer, the
                    # order): roll the batch back so that the next run retries
                    # it instead of skipping the line.
                    raise
                except UniqueViolation as error:
                    if error.diag.constraint_name == RENEWAL_UNIQUE_CONSTRAINT:
                        # A worker that started before this batch's snapshot
                        # created the renewal of this term in the meantime.
                        _logger.info("Renewal of order line %s exists already, skipped", line.id)
                    else:
                        _logger.exception(
                            "Renewal of order line %s (%s) failed", line.id, line.order_id.name
                        )
                        failed_ids.append(line.id)
                except Exception:  # noqa: BLE001
                    # A broken line must not block the others; it is retried
                    # on the next run.
                    _logger.exception(
                        "Renewal of order line %s (%s) failed", line.id, line.order_id.name
                    )
                    failed_ids.append(line.id)
            remaining = self._crm_count_renewals_due(horizon, failed_ids)
            self.env["ir.cron"]._notify_progress(done=len(lines), remaining=remaining)
            if not in_test:
                # Keep the created renewals when a later batch times out.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if len(lines) < batch_size:
                break
        _logger.info(
            "Renewals: %s opportunities created, %s order lines failed",
            created,
            len(failed_ids),
        )
        return created

    def _crm_renewals_due_query(self, horizon, select, skipped_ids):
        return SQL(
            """
            SELECT %(select)s
            FROM sale_order_line sol
            JOIN sale_order so ON so.id = sol.order_id
            WHERE sol.crm_renewal_date <= %(horizon)s
                AND so.state = 'sale'
                AND sol.id != ALL(%(skipped)s::int[])
                AND NOT EXISTS (
                    SELECT 1 FROM crm_lead lead
                    WHERE lead.crm_renewal_line_id = sol.id
                        AND lead.crm_renewal_date = sol.crm_renewal_date
                )
            """,
            select=select,
            horizon=horizon,
            skipped=list(skipped_ids),
        )

    def _crm_lock_renewal_batch(self, horizon, batch_size, skipped_ids):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "%s ORDER BY sol.crm_renewal_date, sol.id LIMIT %s "
                "FOR UPDATE OF sol SKIP LOCKED",
                self._crm_renewals_due_query(horizon, SQL("sol.id"), skipped_ids),
                batch_size,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _crm_count_renewals_due(self, horizon, skipped_ids):
        self.env.flush_all()
        self.env.cr.execute(
            self._crm_renewals_due_query(horizon, SQL("COUNT(*)"), skipped_ids)
        )
        return self.env.cr.fetchone()[0]

    def _crm_prepare_renewal_values(self):
        """Return the values of the renewal opportunity of this line."""
        self.ensure_one()
        order = self.order_id
        partner = order.partner_id.commercial_partner_id
        amount = order.company_id.currency_id.round(
            self.price_subtotal / (order.currency_rate or 1.0)
        )
        months = self._crm_get_renewal_months()
        plan = self.env["crm.recurring.plan"].search(
            [("number_of_months", "=", months)], limit=1
        )
        manager = partner["crm_account_manager_id"] if (
            "crm_account_manager_id" in partner._fields
        ) else partner.user_id
        user = manager or order.user_id
        return {
            "name": self.env._(
                "Renewal: %(product)s for %(customer)s",
                product=self.product_id.display_name,
                customer=partner.display_name,
            ),
            "type": "opportunity",
            "partner_id": order.partner_id.id,
            "user_id": user.id,
            "team_id": order.team_id.id,
            "company_id": order.company_id.id,
            "campaign_id": order.campaign_id.id,
            "expected_revenue": amount,
            # The recurring plan puts the renewal in the forecast's MRR.
            "recurring_plan": plan.id,
            "recurring_revenue": amount if plan else 0.0,
            "date_deadline": self.crm_renewal_date,
            "crm_renewal_line_id": self.id,
            "crm_renewal_date": self.crm_renewal_date,
            "description": self.env._(
                "Renewal of %(quantity)s x %(product)s from order %(order)s, "
                "term ending on %(date)s.",
                quantity=self.product_uom_qty,
                product=self.product_id.display_name,
                order=order.name,
                date=self.crm_renewal_date,
            ),
        }

    def _crm_create_renewal_opportunity(self):
        self.ensure_one()
        lead = self.env["crm.lead"].create(self._crm_prepare_renewal_values())
        lead.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._("Prepare the renewal of %(order)s", order=self.order_id.name),
            user_id=lead.user_id.id or self.env.uid,
        )
        return lead
