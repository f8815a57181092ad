from odoo import api, fields, models
from odoo.tools import SQL

# Report figures summed per opportunity, in the company currency, by field
# name on crm.lead and on crm.quote.to.cash.report.
LEAD_REPORT_FIELDS = {
    "crm_amount_ordered": "amount_ordered_company",
    "crm_amount_invoiced": "amount_invoiced_company",
    "crm_amount_paid": "amount_paid_company",
    "crm_amount_open": "amount_open_company",
}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Quote-to-cash figures of the confirmed orders, in the company currency
    crm_amount_ordered = fields.Monetary(
        string="Ordered Amount",
        currency_field="company_currency",
        compute="_compute_crm_quote_to_cash",
        help="Confirmed orders of this opportunity, taxes included.",
    )
    crm_amount_invoiced = fields.Monetary(
        string="Invoiced Amount",
        currency_field="company_currency",
        compute="_compute_crm_quote_to_cash",
    )
    crm_amount_paid = fields.Monetary(
        string="Paid Amount",
        currency_field="company_currency",
        compute="_compute_crm_quote_to_cash",
    )
    crm_amount_open = fields.Monetary(
        string="Open Amount",
        currency_field="company_currency",
        compute="_compute_crm_quote_to_cash",
    )
    crm_has_mismatch = fields.Boolean(
        string="Amounts Mismatch", compute="_compute_crm_quote_to_cash"
    )
    crm_won_without_order = fields.Boolean(
        string="Won Without Order",
        compute="_compute_crm_won_without_order",
        search="_search_crm_won_without_order",
        help="The opportunity is won but has no confirmed sales order.",
    )

    # Customer's receivable, in the company currency
    crm_partner_receivable = fields.Monetary(
        string="Customer Open Receivable",
        currency_field="company_currency",
        compute="_compute_crm_partner_receivable",
    )
    crm_partner_overdue = fields.Monetary(
        string="Customer Overdue Amount",
        currency_field="company_currency",
        compute="_compute_crm_partner_receivable",
    )

    # Reasons added to crm_pipeline's at-risk check
    crm_risk_reason = fields.Selection(
        selection_add=[
            ("customer_overdue", "Customer has overdue invoices"),
            ("customer_churn", "Customer at high churn risk"),
        ]
    )

    # Renewals
    crm_renewal_line_id = fields.Many2one(
        "sale.order.line",
        string="Renewal Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Order line whose term this renewal opportunity continues.",
    )
    crm_renewal_date = fields.Date(
        string="Renewal Date",
        readonly=True,
        copy=False,
        help="End of the term being renewed.",
    )

    _sql_constraints = [
        (
            "crm_renewal_unique",
            "UNIQUE(crm_renewal_line_id, crm_renewal_date)",
            "An order line can have only one renewal opportunity per term end.",
        ),
    ]

    @api.depends("order_ids.state", "order_ids.amount_total")
    def _compute_crm_quote_to_cash(self):
        groups = self.env["crm.quote.to.cash.report"].sudo()._read_group(
            [("lead_id", "in", self.ids)],
            ["lead_id"],
            [f"{name}:sum" for name in LEAD_REPORT_FIELDS.values()]
            + ["has_mismatch:bool_or"],
        )
        figures = {lead.id: values for lead, *values in groups}
        for lead in self:
            values = figures.get(lead.id, [0.0] * len(LEAD_REPORT_FIELDS) + [False])
            for field_name, value in zip(LEAD_REPORT_FIELDS, values[:-1], strict=True):
                lead[field_name] = value
            lead.crm_has_mismatch = values[-1]

    @api.depends("stage_id.is_won", "order_ids.state")
    def _compute_crm_won_without_order(self):
        for lead in self:
            lead.crm_won_without_order = bool(
                lead.stage_id.is_won
                and not any(order.state == "sale" for order in lead.order_ids)
            )

    def _search_crm_won_without_order(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(
                self.env._("Won Without Order supports only = and != with a boolean.")
            )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT lead.id
                FROM crm_lead lead
                JOIN crm_stage stage ON stage.id = lead.stage_id
                WHERE stage.is_won AND NOT EXISTS (
                    SELECT 1 FROM sale_order so
                    WHERE so.opportunity_id = lead.id AND so.state = 'sale'
                )
                """
            )
        )
        lead_ids = [row[0] for row in self.env.cr.fetchall()]
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", lead_ids)]

    @api.depends("partner_id")
    def _compute_crm_partner_receivable(self):
        commercial = self.partner_id.commercial_partner_id
        figures = self.env["res.partner"]._crm_get_receivable_by_partner(commercial.ids)
        for lead in self:
            partner_id = lead.partner_id.commercial_partner_id.id
            open_amount, overdue = figures.get(partner_id, (0.0, 0.0))
            lead.crm_partner_receivable = open_amount
            lead.crm_partner_overdue = overdue

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _crm_compute_risk_reasons(self, now=None):
        """Add the customer's overdue invoices and high churn risk to the
        risk reasons crm_pipeline finds for each open opportunity."""
        reasons = super()._crm_compute_risk_reasons(now=now)
        leads = self.browse(list(reasons))
        partners = leads.partner_id.commercial_partner_id
        if not partners:
            return reasons
        receivable = self.env["res.partner"]._crm_get_receivable_by_partner(partners.ids)
        churn = dict(zip(partners.ids, partners.mapped("crm_churn_risk"), strict=True))
        for lead in leads:
            partner_id = lead.partner_id.commercial_partner_id.id
            if receivable.get(partner_id, (0.0, 0.0))[1] > 0:
                reasons[lead.id].append("customer_overdue")
            if churn.get(partner_id) == "high":
                reasons[lead.id].append("customer_churn")
        return reasons

    def _crm_sync_revenue_from_orders(self):
        """Set the expected revenue to the untaxed total of the confirmed
        orders, converted into the company currency at each order's rate.

        Opportunities without a confirmed order keep their estimate.
        """
        for lead in self:
            orders = lead.order_ids.filtered(lambda order: order.state == "sale")
            if not orders:
                continue
            total = sum(
                order.amount_untaxed / (order.currency_rate or 1.0) for order in orders
            )
            lead.expected_revenue = lead.company_currency.round(total)

    def action_view_crm_document_flow(self):
        """Open the document flow of the opportunity's orders."""
        self.ensure_one()
        return self.env["crm.document.flow"]._get_flow_action(
            [("lead_id", "=", self.id)],
            self.env._("Document Flow of %(name)s", name=self.name),
        )
