from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    crm_lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        compute="_compute_crm_lead_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        help="Opportunity of the sales order this invoice or credit note bills.",
    )

    @api.depends("line_ids.sale_line_ids.order_id.opportunity_id")
    def _compute_crm_lead_id(self):
        for move in self:
            opportunities = move.line_ids.sale_line_ids.order_id.opportunity_id
            move.crm_lead_id = opportunities[:1] or move.crm_lead_id

    def action_view_crm_document_flow(self):
        """Open the document flow of the orders the invoice bills."""
        self.ensure_one()
        orders = self.line_ids.sale_line_ids.order_id
        return self.env["crm.document.flow"]._get_flow_action(
            [("order_id", "in", orders.ids)],
            self.env._("Document Flow of %(name)s", name=self.name),
        )
