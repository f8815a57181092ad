from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount

# Account health thresholds. A customer whose revenue of the last twelve
# months falls under this share of the twelve months before is a churn risk.
# Revenue above the growth share is an upsell signal.
REVENUE_DROP_RATIO = 0.7
REVENUE_GROWTH_RATIO = 1.2
# A customer with this many orders has a usual gap between orders; silence of
# more than SILENCE_FACTOR times that gap is a churn risk.
MIN_ORDERS_FOR_RHYTHM = 3
SILENCE_FACTOR = 1.5
# Without a usual gap, a year without orders is a churn risk.
SILENCE_DAYS_DEFAULT = 365
# Payments this many days later on average than in the previous half-year.
PAYMENT_DELAY_INCREASE_DAYS = 10
# Open tickets from which support load counts as a churn risk.
SUPPORT_LOAD_TICKETS = 3
# Score from which the churn risk is medium, then high.
CHURN_MEDIUM_SCORE = 2
CHURN_HIGH_SCORE = 4


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Receivable, in the company currency
    crm_open_receivable = fields.Monetary(
        string="Open Receivable",
        currency_field="crm_company_currency_id",
        compute="_compute_crm_receivable",
        help="Unpaid posted customer invoices minus unused credit notes and "
        "payments, for the commercial entity.",
        groups="base.group_user",
    )
    crm_overdue_amount = fields.Monetary(
        string="Overdue Amount",
        currency_field="crm_company_currency_id",
        compute="_compute_crm_receivable",
        groups="base.group_user",
    )
    crm_company_currency_id = fields.Many2one(
        "res.currency",
        string="Company Currency (CRM)",
        compute="_compute_crm_company_currency_id",
    )

    # Account health
    crm_churn_risk = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        string="Churn Risk",
        compute="_compute_crm_account_health",
        groups="base.group_user",
    )
    crm_churn_reasons = fields.Text(
        string="Churn Risk Reasons",
        compute="_compute_crm_account_health",
        groups="base.group_user",
    )
    crm_upsell_signal = fields.Boolean(
        string="Upsell Signal",
        compute="_compute_crm_account_health",
        groups="base.group_user",
    )
    crm_upsell_reasons = fields.Text(
        string="Upsell Reasons",
        compute="_compute_crm_account_health",
        groups="base.group_user",
    )
    crm_days_since_last_order = fields.Integer(
        string="Days Since Last Order",
        compute="_compute_crm_account_health",
        groups="base.group_user",
    )

    @api.depends_context("allowed_company_ids")
    def _compute_crm_company_currency_id(self):
        for partner in self:
            partner.crm_company_currency_id = self.env.company.currency_id

    @api.depends_context("allowed_company_ids")
    def _compute_crm_receivable(self):
        commercial_ids = self.commercial_partner_id.ids
        figures = self._crm_get_receivable_by_partner(commercial_ids)
        for partner in self:
            open_amount, overdue = figures.get(
                partner.commercial_partner_id.id, (0.0, 0.0)
            )
            partner.crm_open_receivable = open_amount
            partner.crm_overdue_amount = overdue

    @api.depends_context("allowed_company_ids")
    def _compute_crm_account_health(self):
        commercial = self.commercial_partner_id
        facts = self._crm_get_health_facts(commercial.ids)
        receivable = self._crm_get_receivable_by_partner(commercial.ids)
        tickets = self._crm_get_ticket_counts(commercial.ids)
        # Credit limits are accounting fields that salespeople cannot read.
        credit_limits = {
            customer.id: customer.credit_limit if customer.use_partner_credit_limit else 0.0
            for customer in commercial.sudo()
        }
        for partner in self:
            commercial_partner = partner.commercial_partner_id
            fact = dict(facts.get(commercial_partner.id, {}))
            fact["open_receivable"], fact["overdue"] = receivable.get(
                commercial_partner.id, (0.0, 0.0)
            )
            fact["open_tickets"], fact["escalated_tickets"] = tickets.get(
                commercial_partner.id, (0, 0)
            )
            fact["credit_limit"] = credit_limits.get(commercial_partner.id, 0.0)
            score, churn_reasons = partner._crm_get_churn_reasons(fact)
            upsell_reasons = partner._crm_get_upsell_reasons(fact)
            if score >= CHURN_HIGH_SCORE:
                partner.crm_churn_risk = "high"
            elif score >= CHURN_MEDIUM_SCORE:
                partner.crm_churn_risk = "medium"
            else:
                partner.crm_churn_risk = "low"
            partner.crm_churn_reasons = "\n".join(churn_reasons)
            partner.crm_upsell_signal = bool(upsell_reasons)
            partner.crm_upsell_reasons = "\n".join(upsell_reasons)
            partner.crm_days_since_last_order = fact.get("days_since_last_order") or 0

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    @api.model
    def _crm_get_revenue_by_partner(self, commercial_ids, date_from=None):
        """Return posted customer invoices net of credit notes, untaxed, in
        the currency of the current company, per commercial partner.

        Overrides crm_core's estimate from won opportunities. Invoices of
        every company the user has enabled count. Those of a company with
        another currency are converted at the rate of their invoice date, the
        way Odoo picks rates for the current company: its own rates first,
        then rates shared by all companies, and the oldest rate for a date
        before the first one.

        The figure is a total the user may see on a customer without reading
        the invoices themselves, so the query ignores the invoice record
        rules but stays within the enabled companies.

        :param list commercial_ids: ids of commercial partners
        :param date date_from: first invoice date counted, or None for all
        :return: {commercial_partner_id: amount}
        """
        if not commercial_ids:
            return {}
        target = self.env.company.currency_id
        self.env["account.move"].flush_model(
            [
                "commercial_partner_id", "state", "move_type", "company_id",
                "invoice_date", "date", "amount_untaxed_signed",
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id,
                    SUM(move.amount_untaxed_signed * %(factor)s)
                FROM account_move move
                JOIN res_company company ON company.id = move.company_id
                WHERE move.commercial_partner_id IN %(partners)s
                    AND move.state = 'posted'
                    AND move.move_type IN ('out_invoice', 'out_refund')
                    AND move.company_id IN %(companies)s
                    AND (%(date_from)s::date IS NULL OR move.invoice_date >= %(date_from)s)
                GROUP BY move.commercial_partner_id
                """,
                factor=self._crm_currency_factor_sql(
                    SQL("COALESCE(move.invoice_date, move.date)")
                ),
                partners=tuple(commercial_ids),
                companies=tuple(self._crm_get_allowed_company_ids()),
                date_from=date_from or None,
            )
        )
        return {
            partner_id: target.round(amount or 0.0)
            for partner_id, amount in self.env.cr.fetchall()
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _crm_get_allowed_company_ids(self):
        """Return the ids of the companies enabled in the context that the
        user may access, else the user's companies.

        The result equals ``env.companies`` but skips its per-environment
        cache, so the query count depends only on the cached company list.
        """
        user_company_ids = self.env.user._get_company_ids()
        requested = self.env.context.get("allowed_company_ids")
        if requested:
            return [
                company_id
                for company_id in requested
                if self.env.su or company_id in user_company_ids
            ]
        return list(user_company_ids)

    @api.model
    def _crm_currency_factor_sql(self, date_sql):
        """Return the SQL factor converting an amount in the currency of the
        company joined as ``company`` into the current company's currency.

        Rates are taken at ``date_sql`` the way Odoo converts for the current
        company: its own rates first, then rates shared by all companies, the
        oldest rate before the first one, else 1.
        """
        company = self.env.company
        self.env["res.currency.rate"].flush_model(["rate", "name", "company_id", "currency_id"])

        def rate_of(currency_sql):
            return SQL(
                """
                COALESCE(
                    (SELECT rate.rate FROM res_currency_rate rate
                     WHERE rate.currency_id = %(currency)s
                         AND rate.name <= %(date)s
                         AND (rate.company_id = %(root)s OR rate.company_id IS NULL)
                     ORDER BY rate.company_id NULLS LAST, rate.name DESC LIMIT 1),
                    (SELECT rate.rate FROM res_currency_rate rate
                     WHERE rate.currency_id = %(currency)s
                         AND (rate.company_id = %(root)s OR rate.company_id IS NULL)
                     ORDER BY rate.company_id NULLS LAST, rate.name LIMIT 1),
                    1.0)
                """,
                currency=currency_sql,
                date=date_sql,
                root=company.root_id.id,
            )

        target = company.currency_id.id
        return SQL(
            """
            CASE WHEN company.currency_id = %(target)s THEN 1.0
                ELSE %(target_rate)s / NULLIF(%(source_rate)s, 0)
            END
            """,
            target=target,
            target_rate=rate_of(target),
            source_rate=rate_of(SQL("company.currency_id")),
        )

    @api.model
    def _crm_get_receivable_by_partner(self, commercial_ids):
        """Return {commercial_partner_id: (open receivable, overdue amount)}
        from unreconciled receivable journal items of the enabled companies,
        converted to the current company's currency at today's rate."""
        if not commercial_ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT
                    aml.partner_id,
                    SUM(aml.amount_residual * %(factor)s),
                    COALESCE(SUM(aml.amount_residual * %(factor)s) FILTER (
                        WHERE aml.date_maturity < %(today)s), 0)
                FROM account_move_line aml
                JOIN account_account account ON account.id = aml.account_id
                JOIN res_company company ON company.id = aml.company_id
                WHERE aml.partner_id IN %(partners)s
                    AND aml.parent_state = 'posted'
                    AND account.account_type = 'asset_receivable'
                    AND NOT aml.reconciled
                    AND aml.company_id IN %(companies)s
                GROUP BY aml.partner_id
                """,
                today=fields.Date.context_today(self),
                partners=tuple(commercial_ids),
                companies=tuple(self._crm_get_allowed_company_ids()),
                factor=self._crm_currency_factor_sql(fields.Date.context_today(self)),
            )
        )
        currency = self.env.company.currency_id
        return {
            partner_id: (currency.round(open_amount), currency.round(overdue))
            for partner_id, open_amount, overdue in self.env.cr.fetchall()
        }

    @api.model
    def _crm_get_health_facts(self, commercial_ids):
        """Return order and payment facts per commercial partner, from one
        query: revenue and order count of the last twelve months and of the
        twelve before, days since the last order, the usual gap between
        orders, and the average payment delay of the last and previous
        half-years."""
        if not commercial_ids:
            return {}
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH orders AS (
                    SELECT
                        COALESCE(customer.commercial_partner_id, customer.id)
                            AS partner_id,
                        so.date_order::date AS day,
                        so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1)
                            AS amount
                    FROM sale_order so
                    JOIN res_partner customer ON customer.id = so.partner_id
                    WHERE so.state = 'sale'
                        AND so.company_id IN %(companies)s
                        AND COALESCE(customer.commercial_partner_id, customer.id)
                            IN %(partners)s
                ),
                order_facts AS (
                    SELECT
                        partner_id,
                        COALESCE(SUM(amount) FILTER (
                            WHERE day > %(year_ago)s), 0) AS revenue_12m,
                        COALESCE(SUM(amount) FILTER (
                            WHERE day <= %(year_ago)s AND day > %(two_years_ago)s),
                            0) AS revenue_prev_12m,
                        COUNT(*) FILTER (WHERE day > %(year_ago)s) AS orders_12m,
                        COUNT(*) FILTER (
                            WHERE day <= %(year_ago)s AND day > %(two_years_ago)s)
                            AS orders_prev_12m,
                        COUNT(*) AS order_count,
                        %(today)s - MAX(day) AS days_since_last_order,
                        (MAX(day) - MIN(day))::float
                            / GREATEST(COUNT(*) - 1, 1) AS usual_gap
                    FROM orders
                    GROUP BY partner_id
                ),
                payment_facts AS (
                    SELECT
                        move.commercial_partner_id AS partner_id,
                        AVG(paid.last_date - move.invoice_date_due) FILTER (
                            WHERE move.invoice_date > %(half_year_ago)s)
                            AS delay_recent,
                        AVG(paid.last_date - move.invoice_date_due) FILTER (
                            WHERE move.invoice_date <= %(half_year_ago)s
                                AND move.invoice_date > %(year_ago)s)
                            AS delay_previous
                    FROM account_move move
                    JOIN LATERAL (
                        SELECT MAX(partial.max_date) AS last_date
                        FROM account_move_line aml
                        JOIN account_partial_reconcile partial
                            ON aml.id IN (partial.debit_move_id,
                                          partial.credit_move_id)
                        WHERE aml.move_id = move.id
                            AND aml.display_type = 'payment_term'
                    ) paid ON paid.last_date IS NOT NULL
                    WHERE move.move_type = 'out_invoice'
                        AND move.state = 'posted'
                        AND move.payment_state IN ('paid', 'in_payment')
                        AND move.company_id IN %(companies)s
                        AND move.commercial_partner_id IN %(partners)s
                        AND move.invoice_date > %(year_ago)s
                    GROUP BY move.commercial_partner_id
                )
                SELECT
                    partner.id AS partner_id,
                    order_facts.revenue_12m,
                    order_facts.revenue_prev_12m,
                    order_facts.orders_12m,
                    order_facts.orders_prev_12m,
                    order_facts.order_count,
                    order_facts.days_since_last_order,
                    order_facts.usual_gap,
                    payment_facts.delay_recent,
                    payment_facts.delay_previous
                FROM res_partner partner
                LEFT JOIN order_facts ON order_facts.partner_id = partner.id
                LEFT JOIN payment_facts ON payment_facts.partner_id = partner.id
                WHERE partner.id IN %(partners)s
                """,
                today=today,
                year_ago=today - timedelta(days=365),
                two_years_ago=today - timedelta(days=730),
                half_year_ago=today - timedelta(days=182),
                partners=tuple(commercial_ids),
                companies=tuple(self._crm_get_allowed_company_ids()),
            )
        )
        return {row["partner_id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _crm_get_ticket_counts(self, commercial_ids):
        """Return {commercial_partner_id: (open tickets, escalated tickets)}
        from crm_helpdesk. An open ticket whose SLA is breached counts as
        escalated, because a breach is what escalates it to the manager."""
        Ticket = self.env.get("crm.helpdesk.ticket")
        if Ticket is None or not commercial_ids:
            return {}
        groups = Ticket.sudo()._read_group(
            [
                ("commercial_partner_id", "in", commercial_ids),
                ("is_closed", "=", False),
                ("company_id", "in", self._crm_get_allowed_company_ids()),
            ],
            ["commercial_partner_id", "sla_status"],
            ["__count"],
        )
        counts = {}
        for customer, sla_status, count in groups:
            total, escalated = counts.get(customer.id, (0, 0))
            if sla_status == "breached":
                escalated += count
            counts[customer.id] = (total + count, escalated)
        return counts

    def _crm_get_churn_reasons(self, fact):
        """Return (score, reasons) of the churn risk from ``fact``."""
        currency = self.env.company.currency_id
        score = 0
        reasons = []
        revenue, previous = fact.get("revenue_12m") or 0.0, fact.get("revenue_prev_12m") or 0.0
        if previous and revenue < previous * REVENUE_DROP_RATIO:
            score += 2
            reasons.append(
                self.env._(
                    "Revenue down %(percent)s%% over twelve months (%(recent)s "
                    "against %(previous)s)",
                    percent=round(100 - revenue * 100 / previous),
                    recent=format_amount(self.env, revenue, currency),
                    previous=format_amount(self.env, previous, currency),
                )
            )
        days = fact.get("days_since_last_order")
        if days is not None:
            if (fact.get("order_count") or 0) >= MIN_ORDERS_FOR_RHYTHM and fact.get(
                "usual_gap"
            ):
                limit = round(fact["usual_gap"] * SILENCE_FACTOR)
            else:
                limit = SILENCE_DAYS_DEFAULT
            if days > limit:
                score += 2
                reasons.append(
                    self.env._(
                        "No order for %(days)s days (alert after %(limit)s days)",
                        days=days,
                        limit=limit,
                    )
                )
        recent, earlier = fact.get("delay_recent"), fact.get("delay_previous")
        if recent is not None and earlier is not None and (
            recent - earlier >= PAYMENT_DELAY_INCREASE_DAYS
        ):
            score += 1
            reasons.append(
                self.env._(
                    "Pays %(days)s days later than in the previous half-year",
                    days=round(recent - earlier),
                )
            )
        if fact["overdue"] > 0:
            score += 1
            reasons.append(
                self.env._(
                    "Overdue amount: %(amount)s",
                    amount=format_amount(self.env, fact["overdue"], currency),
                )
            )
        if fact["credit_limit"] and fact["open_receivable"] > fact["credit_limit"]:
            score += 1
            reasons.append(
                self.env._(
                    "Open receivable %(open)s exceeds the credit limit %(limit)s",
                    open=format_amount(self.env, fact["open_receivable"], currency),
                    limit=format_amount(self.env, fact["credit_limit"], currency),
                )
            )
        if fact["escalated_tickets"]:
            score += 1
            reasons.append(
                self.env._(
                    "%(count)s escalated support tickets", count=fact["escalated_tickets"]
                )
            )
        if fact["open_tickets"] >= SUPPORT_LOAD_TICKETS:
            score += 1
            reasons.append(
                self.env._("%(count)s open support tickets", count=fact["open_tickets"])
            )
        return score, reasons

    def _crm_get_upsell_reasons(self, fact):
        """Return the reasons to offer more to the customer from ``fact``."""
        reasons = []
        if fact["overdue"] > 0 or fact["escalated_tickets"]:
            return reasons
        revenue, previous = fact.get("revenue_12m") or 0.0, fact.get("revenue_prev_12m") or 0.0
        if previous and revenue >= previous * REVENUE_GROWTH_RATIO:
            reasons.append(
                self.env._(
                    "Revenue up %(percent)s%% over twelve months",
                    percent=round(revenue * 100 / previous - 100),
                )
            )
        orders, orders_previous = fact.get("orders_12m") or 0, fact.get("orders_prev_12m") or 0
        if orders_previous and orders > orders_previous:
            reasons.append(
                self.env._(
                    "%(recent)s orders in twelve months against %(previous)s before",
                    recent=orders,
                    previous=orders_previous,
                )
            )
        return reasons

    def action_view_crm_document_flow(self):
        """Open the document flow of the customer's orders."""
        self.ensure_one()
        return self.env["crm.document.flow"]._get_flow_action(
            [("partner_id", "=", self.commercial_partner_id.id)],
            self.env._("Document Flow of %(name)s", name=self.display_name),
        )
