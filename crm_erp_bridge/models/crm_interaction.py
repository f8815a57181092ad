from odoo import fields, models


class CrmInteraction(models.Model):
    """Sales documents on crm_core's customer timeline: confirmed orders
    (source code 30), posted invoices and credit notes (31), customer
    payments (32) and processed deliveries and returns (33)."""

    _inherit = "crm.interaction"
    _depends = {
        "sale.order": [
            "name", "state", "date_order", "partner_id", "opportunity_id",
            "user_id", "company_id", "amount_total", "currency_id",
        ],
        "account.move": [
            "name", "state", "move_type", "invoice_date", "partner_id",
            "crm_lead_id", "invoice_user_id", "company_id", "amount_total",
            "currency_id",
        ],
        "account.payment": [
            "name", "state", "date", "partner_id", "crm_lead_id", "company_id",
            "amount", "currency_id", "partner_type", "payment_type",
        ],
        "stock.picking": ["name", "state", "date_done", "sale_id", "partner_id"],
    }

    interaction_type = fields.Selection(
        selection_add=[
            ("sale_order", "Sales order"),
            ("invoice", "Invoice"),
            ("credit_note", "Credit note"),
            ("payment", "Payment"),
            ("delivery", "Delivery"),
        ],
        ondelete={
            "sale_order": "cascade",
            "invoice": "cascade",
            "credit_note": "cascade",
            "payment": "cascade",
            "delivery": "cascade",
        },
    )

    def _crm_interaction_queries(self):
        return super()._crm_interaction_queries() + [
            self._crm_sale_order_query(),
            self._crm_invoice_query(),
            self._crm_payment_query(),
            self._crm_picking_query(),
        ]

    def _crm_sale_order_query(self):
        return """
            SELECT so.id * 64 + 30 AS id,
                   so.date_order AS date,
                   'sale_order' AS interaction_type,
                   rp.commercial_partner_id AS partner_id,
                   rp.id AS contact_id,
                   so.opportunity_id AS lead_id,
                   so.user_id AS user_id,
                   so.company_id AS company_id,
                   so.name AS name,
                   'Confirmed order: ' || so.amount_total::text || ' ' || cur.name
                       AS summary,
                   'sale.order' AS res_model,
                   so.id AS res_id
              FROM sale_order so
              JOIN res_partner rp ON rp.id = so.partner_id
              JOIN res_currency cur ON cur.id = so.currency_id
             WHERE so.state = 'sale'
        """

    def _crm_invoice_query(self):
        return """
            SELECT move.id * 64 + 31 AS id,
                   move.invoice_date::timestamp AS date,
                   CASE WHEN move.move_type = 'out_refund' THEN 'credit_note'
                        ELSE 'invoice' END AS interaction_type,
                   rp.commercial_partner_id AS partner_id,
                   rp.id AS contact_id,
                   move.crm_lead_id AS lead_id,
                   move.invoice_user_id AS user_id,
                   move.company_id AS company_id,
                   move.name AS name,
                   move.amount_total::text || ' ' || cur.name AS summary,
                   'account.move' AS res_model,
                   move.id AS res_id
              FROM account_move move
              JOIN res_partner rp ON rp.id = move.partner_id
              JOIN res_currency cur ON cur.id = move.currency_id
             WHERE move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
        """

    def _crm_payment_query(self):
        return """
            SELECT payment.id * 64 + 32 AS id,
                   payment.date::timestamp AS date,
                   'payment' AS interaction_type,
                   rp.commercial_partner_id AS partner_id,
                   rp.id AS contact_id,
                   payment.crm_lead_id AS lead_id,
                   NULL::integer AS user_id,
                   payment.company_id AS company_id,
                   payment.name AS name,
                   payment.amount::text || ' ' || cur.name AS summary,
                   'account.payment' AS res_model,
                   payment.id AS res_id
              FROM account_payment payment
              JOIN res_partner rp ON rp.id = payment.partner_id
              JOIN res_currency cur ON cur.id = payment.currency_id
             WHERE payment.partner_type = 'customer'
               AND payment.payment_type = 'inbound'
               AND payment.state IN ('in_process', 'paid')
        """

    def _crm_picking_query(self):
        return """
            SELECT picking.id * 64 + 33 AS id,
                   picking.date_done AS date,
                   'delivery' AS interaction_type,
                   rp.commercial_partner_id AS partner_id,
                   rp.id AS contact_id,
                   so.opportunity_id AS lead_id,
                   so.user_id AS user_id,
                   so.company_id AS company_id,
                   picking.name AS name,
                   so.name AS summary,
                   'stock.picking' AS res_model,
                   picking.id AS res_id
              FROM stock_picking picking
              JOIN sale_order so ON so.id = picking.sale_id
              JOIN res_partner rp ON rp.id = COALESCE(picking.partner_id, so.partner_id)
             WHERE picking.state = 'done'
        """
