from odoo import api, fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    crm_lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        compute="_compute_crm_origin",
        store=True,
        readonly=False,
        index="btree_not_null",
        help="Opportunity of the invoices this payment was registered for.",
    )
    crm_campaign_id = fields.Many2one(
        "utm.campaign",
        string="Campaign",
        compute="_compute_crm_origin",
        store=True,
        readonly=False,
        ondelete="set null",
    )

    @api.depends("invoice_ids.crm_lead_id", "invoice_ids.campaign_id")
    def _compute_crm_origin(self):
        for payment in self:
            invoices = payment.invoice_ids
            payment.crm_lead_id = invoices.crm_lead_id[:1] or payment.crm_lead_id
            payment.crm_campaign_id = (
                invoices.campaign_id[:1] or payment.crm_campaign_id
            )

    def action_view_crm_document_flow(self):
        """Open the document flow of the orders whose invoices this pays."""
        self.ensure_one()
        invoices = self.invoice_ids | self.reconciled_invoice_ids
        orders = invoices.line_ids.sale_line_ids.order_id
        return self.env["crm.document.flow"]._get_flow_action(
            [("order_id", "in", orders.ids)],
            self.env._("Document Flow of %(name)s", name=self.name),
        )
