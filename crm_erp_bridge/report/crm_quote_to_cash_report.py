from odoo import api, fields, models, tools

# Largest gap, in the order's currency, between the ordered and the invoiced
# totals that a down payment's separate tax rounding explains: one cent for
# the down payment invoice and one for its deduction on the final invoice.
DOWN_PAYMENT_ROUNDING_TOLERANCE = 0.02


class CrmQuoteToCashReport(models.Model):
    """Reconciliation of one confirmed sales order: what was won, ordered,
    delivered, invoiced and paid, with the reasons when they do not match.

    Order figures are in the order's currency. Invoices in another currency
    are converted at their invoice date through the company currency. The
    ``*_company`` columns hold the same figures in the company currency so
    that totals over several currencies stay meaningful.
    """

    _name = "crm.quote.to.cash.report"
    _description = "Quote-to-Cash Report"
    _auto = False
    _order = "date_order desc, id desc"
    _rec_name = "order_id"
    # Fields the view reads: the ORM flushes them before searching the view.
    _depends = {
        "sale.order": [
            "state", "opportunity_id", "campaign_id", "partner_id", "user_id",
            "team_id", "company_id", "date_order", "currency_id",
            "currency_rate", "amount_total",
        ],
        "sale.order.line": [
            "order_id", "price_total", "product_uom_qty", "qty_delivered",
            "qty_invoiced", "qty_to_invoice", "qty_delivered_method",
            "is_downpayment", "display_type", "invoice_lines",
        ],
        "account.move": [
            "state", "move_type", "currency_id", "invoice_date",
            "invoice_date_due", "invoice_currency_rate", "amount_total",
            "amount_residual", "amount_total_signed", "amount_residual_signed",
        ],
        "account.move.line": ["move_id", "price_subtotal", "price_total", "quantity"],
        "crm.lead": ["stage_id", "expected_revenue", "user_id"],
        "res.currency.rate": ["rate", "name", "company_id", "currency_id"],
    }

    # Dimensions
    order_id = fields.Many2one("sale.order", string="Sales Order", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    lead_user_id = fields.Many2one(
        "res.users", string="Opportunity Salesperson", readonly=True
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_order = fields.Date(string="Order Date", readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    currency_id = fields.Many2one(
        "res.currency", string="Order Currency", readonly=True
    )
    company_currency_id = fields.Many2one(
        "res.currency", readonly=True
    )
    lead_won = fields.Boolean(string="Won Opportunity", readonly=True)

    # Figures in the order's currency, taxes included
    amount_ordered = fields.Monetary(
        string="Ordered", currency_field="currency_id", readonly=True
    )
    amount_delivered = fields.Monetary(
        string="Delivered",
        currency_field="currency_id",
        readonly=True,
        help="Value of the delivered quantities at the order's prices.",
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        currency_field="currency_id",
        readonly=True,
        help="Posted invoices and down payments minus posted credit notes.",
    )
    amount_down_payment = fields.Monetary(
        string="Down Payments",
        currency_field="currency_id",
        readonly=True,
        help="Down payments invoiced, net of their credit notes.",
    )
    amount_down_payment_open = fields.Monetary(
        string="Down Payments Not Deducted",
        currency_field="currency_id",
        readonly=True,
        help="Down payments invoiced but not yet deducted from a final invoice.",
    )
    amount_paid = fields.Monetary(
        string="Paid", currency_field="currency_id", readonly=True
    )
    amount_open = fields.Monetary(
        string="Open Receivable", currency_field="currency_id", readonly=True
    )
    amount_overdue = fields.Monetary(
        string="Overdue", currency_field="currency_id", readonly=True
    )

    # Figures in the company currency
    won_amount = fields.Monetary(
        currency_field="company_currency_id",
        readonly=True,
        help="Expected revenue of the won opportunity, in the company "
        "currency. An opportunity with several orders counts it on its first "
        "order only.",
    )
    amount_ordered_company = fields.Monetary(
        string="Ordered (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    amount_invoiced_company = fields.Monetary(
        string="Invoiced (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    amount_paid_company = fields.Monetary(
        string="Paid (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    amount_open_company = fields.Monetary(
        string="Open Receivable (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    amount_overdue_company = fields.Monetary(
        string="Overdue (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
    )
    days_unpaid = fields.Integer(
        readonly=True,
        help="Age in days of the oldest posted invoice with an open amount.",
    )

    # Mismatches
    is_won_not_invoiced = fields.Boolean(
        string="Won but Not Fully Invoiced", readonly=True
    )
    is_delivered_not_invoiced = fields.Boolean(
        string="Delivered Not Invoiced", readonly=True
    )
    is_invoiced_not_delivered = fields.Boolean(
        string="Invoiced Not Delivered", readonly=True
    )
    is_credit_not_reissued = fields.Boolean(
        string="Credit Note Not Reissued", readonly=True
    )
    is_down_payment_rounding = fields.Boolean(
        string="Down Payment Rounding", readonly=True
    )
    is_foreign_currency = fields.Boolean(
        string="Foreign-Currency Invoice", readonly=True
    )
    has_mismatch = fields.Boolean(string="Mismatch", readonly=True)
    mismatch_reason = fields.Char(
        compute="_compute_mismatch_reason"
    )

    @api.depends(
        "is_delivered_not_invoiced",
        "is_invoiced_not_delivered",
        "is_credit_not_reissued",
        "is_down_payment_rounding",
        "is_foreign_currency",
    )
    def _compute_mismatch_reason(self):
        for line in self:
            line.mismatch_reason = "; ".join(line._get_mismatch_reasons())

    def _get_mismatch_reasons(self):
        """Return the readable reasons why the order's figures differ."""
        self.ensure_one()
        reasons = []
        if self.is_delivered_not_invoiced:
            reasons.append(self.env._("Delivered not invoiced"))
        if self.is_invoiced_not_delivered:
            reasons.append(self.env._("Invoiced not delivered"))
        if self.is_credit_not_reissued:
            reasons.append(self.env._("Credit note not reissued"))
        if self.is_down_payment_rounding:
            reasons.append(
                self.env._(
                    "Rounding from a down payment: %(amount)s",
                    amount=self.currency_id.round(
                        self.amount_invoiced - self.amount_ordered
                    ),
                )
            )
        if self.is_foreign_currency:
            reasons.append(
                self.env._(
                    "Foreign-currency invoice: company-currency figures "
                    "depend on the rate at the invoice date"
                )
            )
        return reasons

    # ------------------------------------------------------------------
    # SQL view
    # ------------------------------------------------------------------

    def _with_order_lines(self):
        # Quantities in the order line's unit; down payment and section lines
        # are not goods or services and stay out of ordered and delivered.
        return """
            order_lines AS (
                SELECT
                    sol.order_id,
                    SUM(CASE WHEN sol.product_uom_qty != 0
                             THEN sol.price_total * sol.qty_delivered
                                  / sol.product_uom_qty
                             ELSE 0 END) AS delivered,
                    BOOL_OR(sol.qty_delivered > sol.qty_invoiced) AS over_delivered,
                    BOOL_OR(sol.qty_delivered_method = 'stock_move'
                            AND sol.qty_invoiced > sol.qty_delivered)
                        AS over_invoiced,
                    BOOL_OR(sol.qty_to_invoice > 0) AS to_invoice,
                    BOOL_AND(sol.qty_invoiced = sol.product_uom_qty)
                        AS all_invoiced
                FROM sale_order_line sol
                WHERE sol.display_type IS NULL AND sol.is_downpayment IS NOT TRUE
                GROUP BY sol.order_id
            )
        """

    def _with_invoice_links(self):
        # Share of each posted invoice that belongs to each order: the whole
        # invoice when it bills a single order, else the order's part of the
        # untaxed amount billed on order lines.
        return """
            move_orders AS (
                SELECT
                    sol.order_id,
                    aml.move_id,
                    SUM(aml.price_subtotal) AS subtotal,
                    SUM(aml.price_total) FILTER (WHERE sol.is_downpayment)
                        AS down_payment_open,
                    SUM(aml.price_total) FILTER (
                        WHERE sol.is_downpayment AND aml.quantity > 0)
                        AS down_payment
                FROM sale_order_line_invoice_rel rel
                JOIN sale_order_line sol ON sol.id = rel.order_line_id
                JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                JOIN account_move move ON move.id = aml.move_id
                WHERE move.state = 'posted'
                    AND move.move_type IN ('out_invoice', 'out_refund')
                GROUP BY sol.order_id, aml.move_id
            ),
            move_totals AS (
                SELECT move_id, COUNT(*) AS order_count, SUM(subtotal) AS subtotal
                FROM move_orders
                GROUP BY move_id
            ),
            move_shares AS (
                SELECT
                    mo.order_id,
                    mo.move_id,
                    mo.down_payment,
                    mo.down_payment_open,
                    CASE
                        WHEN mt.order_count = 1 THEN 1.0
                        WHEN mt.subtotal != 0 THEN mo.subtotal / mt.subtotal
                        ELSE 1.0 / mt.order_count
                    END AS share
                FROM move_orders mo
                JOIN move_totals mt ON mt.move_id = mo.move_id
            )
        """

    def _with_invoice_amounts(self):
        # to_order converts an amount of the invoice's currency into the
        # order's currency at the invoice date: through the company currency
        # (invoice_currency_rate) then the order currency's rate of that day.
        return """
            invoice_amounts AS (
                SELECT
                    ms.order_id,
                    move.id AS move_id,
                    move.invoice_date,
                    move.invoice_date_due,
                    move.currency_id != company.currency_id AS foreign_currency,
                    move.move_type = 'out_refund' AS is_refund,
                    CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                        * ms.share AS factor,
                    CASE
                        WHEN move.currency_id = so.currency_id THEN 1.0
                        ELSE COALESCE(order_rate.rate, 1.0)
                             / COALESCE(NULLIF(move.invoice_currency_rate, 0), 1.0)
                    END AS to_order,
                    move.amount_total,
                    move.amount_residual,
                    move.amount_total_signed,
                    move.amount_residual_signed,
                    COALESCE(ms.down_payment, 0) AS down_payment,
                    COALESCE(ms.down_payment_open, 0) AS down_payment_open
                FROM move_shares ms
                JOIN account_move move ON move.id = ms.move_id
                JOIN sale_order so ON so.id = ms.order_id
                JOIN res_company company ON company.id = so.company_id
                LEFT JOIN LATERAL (
                    SELECT rate.rate
                    FROM res_currency_rate rate
                    WHERE rate.currency_id = so.currency_id
                        AND rate.name <= COALESCE(move.invoice_date, move.date)
                        AND (rate.company_id = so.company_id
                             OR rate.company_id IS NULL)
                    ORDER BY rate.company_id NULLS LAST, rate.name DESC
                    LIMIT 1
                ) order_rate ON so.currency_id != company.currency_id
            ),
            invoices AS (
                SELECT
                    order_id,
                    MAX(invoice_date) AS last_invoice_date,
                    BOOL_OR(foreign_currency) AS foreign_currency,
                    BOOL_OR(is_refund) AS has_refund,
                    SUM(amount_total * factor * to_order) AS invoiced,
                    SUM(down_payment
                        * CASE WHEN is_refund THEN -1 ELSE 1 END * to_order)
                        AS down_payment,
                    SUM(down_payment_open
                        * CASE WHEN is_refund THEN -1 ELSE 1 END * to_order)
                        AS down_payment_open,
                    SUM((amount_total - amount_residual) * factor * to_order)
                        AS paid,
                    SUM(amount_residual * factor * to_order) AS open,
                    SUM(amount_residual * factor * to_order) FILTER (
                        WHERE invoice_date_due < CURRENT_DATE) AS overdue,
                    SUM(ABS(amount_total_signed) * factor) AS invoiced_company,
                    SUM((ABS(amount_total_signed) - ABS(amount_residual_signed))
                        * factor) AS paid_company,
                    SUM(ABS(amount_residual_signed) * factor) AS open_company,
                    SUM(ABS(amount_residual_signed) * factor) FILTER (
                        WHERE invoice_date_due < CURRENT_DATE) AS overdue_company,
                    MAX(CURRENT_DATE - invoice_date) FILTER (
                        WHERE amount_residual != 0 AND NOT is_refund)
                        AS days_unpaid
                FROM invoice_amounts
                GROUP BY order_id
            )
        """

    def _select(self):
        return f"""
            SELECT
                so.id AS id,
                so.id AS order_id,
                so.opportunity_id AS lead_id,
                so.campaign_id,
                COALESCE(customer.commercial_partner_id, customer.id) AS partner_id,
                so.user_id,
                lead.user_id AS lead_user_id,
                so.team_id,
                so.company_id,
                so.date_order::date AS date_order,
                inv.last_invoice_date,
                so.currency_id,
                company.currency_id AS company_currency_id,
                COALESCE(stage.is_won, FALSE) AS lead_won,
                so.amount_total AS amount_ordered,
                ROUND(COALESCE(ol.delivered, 0), cur.decimal_places)
                    AS amount_delivered,
                ROUND(COALESCE(inv.invoiced, 0), cur.decimal_places)
                    AS amount_invoiced,
                ROUND(COALESCE(inv.down_payment, 0), cur.decimal_places)
                    AS amount_down_payment,
                ROUND(COALESCE(inv.down_payment_open, 0), cur.decimal_places)
                    AS amount_down_payment_open,
                ROUND(COALESCE(inv.paid, 0), cur.decimal_places) AS amount_paid,
                ROUND(COALESCE(inv.open, 0), cur.decimal_places) AS amount_open,
                ROUND(COALESCE(inv.overdue, 0), cur.decimal_places)
                    AS amount_overdue,
                CASE WHEN stage.is_won AND ROW_NUMBER() OVER (
                        PARTITION BY so.opportunity_id ORDER BY so.id) = 1
                     THEN lead.expected_revenue ELSE 0 END AS won_amount,
                ROUND(so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1),
                      company_cur.decimal_places) AS amount_ordered_company,
                ROUND(COALESCE(inv.invoiced_company, 0),
                      company_cur.decimal_places) AS amount_invoiced_company,
                ROUND(COALESCE(inv.paid_company, 0),
                      company_cur.decimal_places) AS amount_paid_company,
                ROUND(COALESCE(inv.open_company, 0),
                      company_cur.decimal_places) AS amount_open_company,
                ROUND(COALESCE(inv.overdue_company, 0),
                      company_cur.decimal_places) AS amount_overdue_company,
                COALESCE(inv.days_unpaid, 0) AS days_unpaid,
                {self._select_flags()}
        """

    def _select_flags(self):
        gap = "ROUND(COALESCE(inv.invoiced, 0) - so.amount_total, cur.decimal_places)"
        rounding = f"""(
            COALESCE(inv.down_payment, 0) != 0
            AND ROUND(COALESCE(inv.down_payment_open, 0), cur.decimal_places) = 0
            AND COALESCE(ol.all_invoiced, FALSE)
            AND {gap} != 0
            AND ABS({gap}) <= {DOWN_PAYMENT_ROUNDING_TOLERANCE}
        )"""
        not_invoiced = f"{gap} < 0"
        flags = {
            "is_won_not_invoiced": not_invoiced,
            "is_delivered_not_invoiced": "COALESCE(ol.over_delivered, FALSE)",
            "is_invoiced_not_delivered": "COALESCE(ol.over_invoiced, FALSE)",
            "is_credit_not_reissued": (
                "COALESCE(inv.has_refund, FALSE) AND COALESCE(ol.to_invoice, FALSE)"
            ),
            "is_down_payment_rounding": rounding,
            "is_foreign_currency": "COALESCE(inv.foreign_currency, FALSE)",
        }
        columns = [f"({sql}) AS {name}" for name, sql in flags.items()]
        mismatch = " OR ".join(
            f"({sql})" for name, sql in flags.items() if name != "is_won_not_invoiced"
        )
        columns.append(f"({mismatch}) AS has_mismatch")
        return ",\n".join(columns)

    def _from(self):
        return """
            FROM sale_order so
            JOIN res_partner customer ON customer.id = so.partner_id
            JOIN res_company company ON company.id = so.company_id
            JOIN res_currency cur ON cur.id = so.currency_id
            JOIN res_currency company_cur ON company_cur.id = company.currency_id
            LEFT JOIN crm_lead lead ON lead.id = so.opportunity_id
            LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
            LEFT JOIN order_lines ol ON ol.order_id = so.id
            LEFT JOIN invoices inv ON inv.order_id = so.id
        """

    def _where(self):
        return "WHERE so.state = 'sale'"

    def _query(self):
        with_parts = ",".join(
            [
                self._with_order_lines(),
                self._with_invoice_links(),
                self._with_invoice_amounts(),
            ]
        )
        return f"WITH {with_parts} {self._select()} {self._from()} {self._where()}"

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})"
        )

    # ------------------------------------------------------------------
    # Actions and PDF helpers
    # ------------------------------------------------------------------

    def action_view_crm_document_flow(self):
        """Open the document flow of the order of the line."""
        self.ensure_one()
        return self.order_id.action_view_crm_document_flow()

    def _get_pdf_groups(self):
        """Return the lines grouped by salesperson with company-currency
        totals, for the PDF: [(user, lines, totals)]."""
        totals_fields = [
            "won_amount",
            "amount_ordered_company",
            "amount_invoiced_company",
            "amount_paid_company",
            "amount_open_company",
            "amount_overdue_company",
        ]
        groups = {}
        for line in self.sorted(lambda line: (line.user_id.name or "", line.date_order, line.id)):
            groups.setdefault(line.user_id, self.browse())
            groups[line.user_id] |= line
        return [
            (user, lines, {name: sum(lines.mapped(name)) for name in totals_fields})
            for user, lines in groups.items()
        ]
