from odoo import fields, models
from odoo.tools import SQL

ATTRIBUTION_MODELS = [
    ("first_touch", "First touch"),
    ("last_touch", "Last touch"),
]


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # Goals and costs
    crm_currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    crm_cost = fields.Monetary(
        string="Cost",
        currency_field="crm_currency_id",
        help="What the campaign cost: media, agencies, tools.",
    )
    crm_goal_lead_count = fields.Integer(
        string="Lead goal", help="Number of leads the campaign should bring."
    )
    crm_goal_revenue = fields.Monetary(
        string="Revenue goal", currency_field="crm_currency_id"
    )

    # Attribution
    crm_attribution_model = fields.Selection(
        ATTRIBUTION_MODELS,
        string="Attribution",
        default="first_touch",
        required=True,
        help="First touch credits the campaign stored on the lead when it was "
        "created. Last touch credits the campaign of the last mail the contact "
        "opened, clicked or answered before the lead was created.",
    )
    crm_lead_count = fields.Integer(string="Leads", compute="_compute_crm_attribution")
    crm_opportunity_count = fields.Integer(
        string="Opportunities", compute="_compute_crm_attribution"
    )
    crm_won_revenue = fields.Monetary(
        string="Won revenue",
        currency_field="crm_currency_id",
        compute="_compute_crm_attribution",
    )
    crm_invoiced_revenue = fields.Monetary(
        string="Invoiced revenue",
        currency_field="crm_currency_id",
        compute="_compute_crm_attribution",
    )
    crm_paid_revenue = fields.Monetary(
        string="Paid revenue",
        currency_field="crm_currency_id",
        compute="_compute_crm_attribution",
    )
    crm_margin = fields.Monetary(
        string="Margin",
        currency_field="crm_currency_id",
        compute="_compute_crm_attribution",
    )
    crm_return = fields.Float(
        string="Return (%)",
        compute="_compute_crm_attribution",
        help="Won revenue minus cost, in percent of the cost.",
    )

    def _compute_crm_attribution(self):
        figures_by_model = {
            model: self._crm_get_attribution(model)
            for model in set(self.mapped("crm_attribution_model"))
        }
        for campaign in self:
            figures = figures_by_model.get(campaign.crm_attribution_model, {}).get(
                campaign.id, {}
            )
            campaign.crm_lead_count = figures.get("lead_count", 0)
            campaign.crm_opportunity_count = figures.get("opportunity_count", 0)
            campaign.crm_won_revenue = figures.get("won_revenue", 0.0)
            campaign.crm_invoiced_revenue = figures.get("invoiced_revenue", 0.0)
            campaign.crm_paid_revenue = figures.get("paid_revenue", 0.0)
            campaign.crm_margin = figures.get("margin", 0.0)
            campaign.crm_return = (
                (campaign.crm_won_revenue - campaign.crm_cost) / campaign.crm_cost * 100
                if campaign.crm_cost
                else 0.0
            )

    def _crm_attributed_leads_sql(self, attribution_model):
        """Return a query of (lead_id, campaign_id) pairs crediting each lead to one
        of these campaigns."""
        if attribution_model == "first_touch":
            return SQL(
                "SELECT lead.id AS lead_id, lead.campaign_id"
                "  FROM crm_lead lead"
                " WHERE lead.campaign_id IN %s",
                tuple(self.ids),
            )
        return SQL(
            """
            SELECT attributed.lead_id, attributed.campaign_id FROM (
                SELECT DISTINCT ON (lead.id) lead.id AS lead_id,
                       COALESCE(touch.campaign_id, lead.campaign_id) AS campaign_id
                  FROM crm_lead lead
             LEFT JOIN mailing_trace touch
                    ON touch.email = lead.email_normalized
                   AND touch.campaign_id IS NOT NULL
                   AND COALESCE(touch.reply_datetime, touch.links_click_datetime,
                                touch.open_datetime) <= lead.create_date
                 ORDER BY lead.id,
                       COALESCE(touch.reply_datetime, touch.links_click_datetime,
                                touch.open_datetime) DESC NULLS LAST
            ) attributed
             WHERE attributed.campaign_id IN %s
            """,
            tuple(self.ids),
        )

    def _crm_get_attribution(self, attribution_model):
        """Return {campaign id: figures} for these campaigns with one query for the
        leads and, when Sales and Invoicing are installed, one for the revenue."""
        if not self.ids:
            return {}
        self.env["crm.lead"].flush_model()
        attributed = self._crm_attributed_leads_sql(attribution_model)
        self.env.cr.execute(SQL(
            """
            SELECT attributed.campaign_id,
                   COUNT(*) AS lead_count,
                   COUNT(*) FILTER (WHERE lead.type = 'opportunity') AS opportunity_count,
                   COALESCE(SUM(lead.expected_revenue)
                            FILTER (WHERE stage.is_won), 0) AS won_revenue
              FROM (%s) attributed
              JOIN crm_lead lead ON lead.id = attributed.lead_id
         LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
             GROUP BY attributed.campaign_id
            """,
            attributed,
        ))
        figures = {
            row["campaign_id"]: row for row in self.env.cr.dictfetchall()
        }
        for campaign_id, revenue in self._crm_get_invoiced_revenue(attributed).items():
            figures.setdefault(campaign_id, {}).update(revenue)
        return figures

    def _crm_get_invoiced_revenue(self, attributed):
        """Return {campaign id: invoiced, paid revenue and margin} of the sales
        orders linked to the attributed opportunities."""
        if "sale.order" not in self.env or "opportunity_id" not in (
            self.env["sale.order"]._fields
        ):
            return {}
        self.env["sale.order"].flush_model()
        has_margin = "margin" in self.env["sale.order"]._fields
        self.env.cr.execute(SQL(
            """
            SELECT invoices.campaign_id,
                   COALESCE(SUM(invoices.amount), 0) AS invoiced_revenue,
                   COALESCE(SUM(invoices.amount) FILTER (
                       WHERE invoices.payment_state IN ('paid', 'in_payment')), 0)
                       AS paid_revenue
              FROM (
                SELECT DISTINCT attributed.campaign_id, invoice.id,
                       invoice.amount_untaxed_signed AS amount, invoice.payment_state
                  FROM (%(attributed)s) attributed
                  JOIN sale_order so ON so.opportunity_id = attributed.lead_id
                  JOIN sale_order_line line ON line.order_id = so.id
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = line.id
                  JOIN account_move_line move_line ON move_line.id = rel.invoice_line_id
                  JOIN account_move invoice ON invoice.id = move_line.move_id
                 WHERE invoice.state = 'posted'
                   AND invoice.move_type IN ('out_invoice', 'out_refund')
              ) invoices
             GROUP BY invoices.campaign_id
            """,
            attributed=attributed,
        ))
        revenue = {row["campaign_id"]: row for row in self.env.cr.dictfetchall()}
        if has_margin:
            self.env.cr.execute(SQL(
                "SELECT attributed.campaign_id, COALESCE(SUM(so.margin), 0) AS margin"
                "  FROM (%s) attributed"
                "  JOIN sale_order so ON so.opportunity_id = attributed.lead_id"
                " WHERE so.state = 'sale'"
                " GROUP BY attributed.campaign_id",
                attributed,
            ))
            for row in self.env.cr.dictfetchall():
                revenue.setdefault(row["campaign_id"], {})["margin"] = row["margin"]
        return revenue
