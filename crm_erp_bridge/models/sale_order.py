from odoo import api, fields, models

# Figures of the quote-to-cash report shown on the order, by field name on
# sale.order and on crm.quote.to.cash.report.
ORDER_REPORT_FIELDS = {
    "crm_amount_delivered": "amount_delivered",
    "crm_amount_invoiced": "amount_invoiced",
    "crm_amount_down_payment": "amount_down_payment",
    "crm_amount_paid": "amount_paid",
    "crm_amount_open": "amount_open",
    "crm_amount_overdue": "amount_overdue",
    "crm_has_mismatch": "has_mismatch",
    "crm_mismatch_reason": "mismatch_reason",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # Quotation revisions
    crm_revision_of_id = fields.Many2one(
        "sale.order",
        string="Revision Of",
        copy=False,
        index="btree_not_null",
        help="Quotation this one replaces.",
    )
    crm_revision = fields.Integer(
        string="Revision",
        default=0,
        copy=False,
        help="0 for the first version of a quotation, then 1, 2 ...",
    )

    # Stock availability, shown on the opportunity's quotations
    crm_availability = fields.Selection(
        [
            ("available", "Available"),
            ("partial", "Partly Available"),
            ("unavailable", "Not Available"),
            ("no_goods", "No Goods"),
        ],
        string="Availability",
        compute="_compute_crm_availability",
        help="Whether the warehouse has the free quantity of every storable "
        "product still to deliver, from the inventory forecast of today.",
    )

    # Reconciliation figures, in the order's currency
    crm_amount_delivered = fields.Monetary(
        string="Delivered Amount", compute="_compute_crm_reconciliation"
    )
    crm_amount_invoiced = fields.Monetary(
        string="Invoiced Amount",
        compute="_compute_crm_reconciliation",
        help="Posted invoices and down payments minus posted credit notes.",
    )
    crm_amount_down_payment = fields.Monetary(
        string="Down Payments Amount", compute="_compute_crm_reconciliation"
    )
    crm_amount_paid = fields.Monetary(
        string="Paid Amount", compute="_compute_crm_reconciliation"
    )
    crm_amount_open = fields.Monetary(
        string="Open Receivable", compute="_compute_crm_reconciliation"
    )
    crm_amount_overdue = fields.Monetary(
        string="Overdue Amount", compute="_compute_crm_reconciliation"
    )
    crm_has_mismatch = fields.Boolean(
        string="Amounts Mismatch", compute="_compute_crm_reconciliation"
    )
    crm_mismatch_reason = fields.Char(
        string="Mismatch Reason", compute="_compute_crm_reconciliation"
    )

    @api.depends("order_line.free_qty_today", "order_line.qty_to_deliver")
    def _compute_crm_availability(self):
        for order in self:
            lines = order.order_line.filtered("display_qty_widget")
            if not lines:
                order.crm_availability = "no_goods"
                continue
            available = lines.filtered(
                lambda line: line.free_qty_today >= line.qty_to_deliver
            )
            if available == lines:
                order.crm_availability = "available"
            elif available or any(line.free_qty_today > 0 for line in lines):
                order.crm_availability = "partial"
            else:
                order.crm_availability = "unavailable"

    def _compute_crm_reconciliation(self):
        # The report has one row per confirmed order, with the order's id. Its
        # search flushes the fields the view reads, then one query reads all.
        confirmed_ids = [order.id for order in self if order.id and order.state == "sale"]
        Report = self.env["crm.quote.to.cash.report"].sudo()
        report_fields = [
            name for name in ORDER_REPORT_FIELDS.values() if name != "mismatch_reason"
        ]
        rows = {
            row["id"]: row
            for row in Report.search_read(
                [("id", "in", confirmed_ids)],
                report_fields + ["currency_id", "amount_ordered"],
            )
        }
        for order in self:
            row = rows.get(order.id)
            for field_name, report_name in ORDER_REPORT_FIELDS.items():
                if not row:
                    order[field_name] = False
                elif report_name == "mismatch_reason":
                    # Computed from the flags already in cache: no query.
                    order[field_name] = Report.browse(order.id).mismatch_reason
                else:
                    order[field_name] = row[report_name]

    # ------------------------------------------------------------------
    # CRUD and workflow
    # ------------------------------------------------------------------

    def action_confirm(self):
        result = super().action_confirm()
        self.opportunity_id._crm_sync_revenue_from_orders()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self.opportunity_id._crm_sync_revenue_from_orders()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_crm_new_revision(self):
        """Copy the quotation as its next revision and cancel this one."""
        self.ensure_one()
        root = self.crm_revision_of_id or self
        last = self.search(
            ["|", ("id", "=", root.id), ("crm_revision_of_id", "=", root.id)],
            order="crm_revision desc",
            limit=1,
        )
        revision = self.copy(
            {
                "crm_revision_of_id": root.id,
                "crm_revision": last.crm_revision + 1,
                "origin": self.name,
            }
        )
        if self.state in ("draft", "sent"):
            self._action_cancel()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": revision.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_view_crm_document_flow(self):
        """Open the document flow of the orders."""
        return self.env["crm.document.flow"]._get_flow_action(
            [("order_id", "in", self.ids)],
            self.env._("Document Flow of %(name)s", name=self[:1].name),
        )
