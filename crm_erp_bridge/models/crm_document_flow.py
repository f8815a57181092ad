from odoo import api, fields, models, tools

# Rank of each document kind in the flow, so that a deal reads top-down from
# the quotation to the payment.
DOCUMENT_KIND_SEQUENCE = {
    "quotation": 10,
    "order": 20,
    "delivery": 30,
    "return": 35,
    "down_payment": 40,
    "invoice": 50,
    "credit_note": 60,
    "payment": 70,
}


class CrmDocumentFlow(models.Model):
    """One line per document of a sales order's chain, from the quotation to
    the payment, computed by one PostgreSQL view.

    A document shared by several orders (an invoice grouping two orders, a
    payment of such an invoice) appears once per order.
    """

    _name = "crm.document.flow"
    _description = "Sales Document Flow"
    _auto = False
    _order = "order_id, sequence, date, res_id"
    _rec_name = "name"
    # Fields the view reads: the ORM flushes them before searching the view.
    _depends = {
        "sale.order": [
            "name", "state", "opportunity_id", "campaign_id", "partner_id",
            "user_id", "company_id", "date_order", "currency_id",
            "currency_rate", "amount_total", "crm_revision",
        ],
        "sale.order.line": [
            "order_id", "price_total", "product_uom_qty", "is_downpayment", "invoice_lines",
        ],
        "stock.picking": [
            "name", "state", "sale_id", "date_done", "scheduled_date", "backorder_id",
            "picking_type_id",
        ],
        "stock.move": ["picking_id", "sale_line_id", "state", "quantity", "product_uom_qty"],
        "account.move": [
            "name", "ref", "state", "move_type", "currency_id", "invoice_date",
            "date", "payment_state", "amount_total", "amount_total_signed",
            "invoice_user_id",
        ],
        "account.move.line": ["move_id", "quantity", "matched_debit_ids", "matched_credit_ids"],
        "account.payment": [
            "name", "state", "date", "amount", "currency_id", "payment_type",
            "is_reconciled", "amount_company_currency_signed", "move_id", "invoice_ids",
        ],
        "crm.lead": ["user_id"],
    }

    # Where the line belongs
    order_id = fields.Many2one("sale.order", string="Sales Order", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        help="Commercial entity of the order's customer.",
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    lead_user_id = fields.Many2one(
        "res.users", string="Opportunity Salesperson", readonly=True
    )
    document_user_id = fields.Many2one(
        "res.users",
        string="Document Salesperson",
        readonly=True,
        help="Salesperson of the document itself: the order's for quotations, "
        "orders, transfers and payments, the invoice's for invoices and credit "
        "notes. Record rules follow it like Odoo's rules on those documents.",
    )
    company_id = fields.Many2one("res.company", readonly=True)

    # The document itself
    sequence = fields.Integer(readonly=True)
    document_kind = fields.Selection(
        [
            ("quotation", "Quotation"),
            ("order", "Sales Order"),
            ("delivery", "Delivery"),
            ("return", "Return"),
            ("down_payment", "Down Payment Invoice"),
            ("invoice", "Invoice"),
            ("credit_note", "Credit Note"),
            ("payment", "Payment"),
        ],
        string="Document Type",
        readonly=True,
    )
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Integer(string="Document ID", readonly=True)
    name = fields.Char(string="Document", readonly=True)
    date = fields.Date(readonly=True)
    state = fields.Char(
        string="Status",
        readonly=True,
        help="Technical status of the document (draft, sale, done, posted, "
        "cancel, in_process, paid ...).",
    )
    status_label = fields.Char(compute="_compute_status_label")
    revision = fields.Integer(
        readonly=True,
        help="Revision number of a quotation: 0 for the first version, then "
        "1, 2 ... for each revision made with New Revision.",
    )
    delivery_status = fields.Selection(
        [("done", "Done"), ("partial", "Partial"), ("returned", "Returned")],
        readonly=True,
        help="Done: the whole transfer was processed. Partial: processed with "
        "a backorder left. Returned: goods came back from the customer.",
    )
    payment_state = fields.Selection(
        [
            ("not_paid", "Not Paid"),
            ("in_payment", "In Payment"),
            ("paid", "Paid"),
            ("partial", "Partially Paid"),
            ("reversed", "Reversed"),
            ("reconciled", "Reconciled"),
            ("unreconciled", "Not Reconciled"),
        ],
        string="Reconciliation",
        readonly=True,
    )

    # Amounts: signed, so that credit notes and returns subtract
    amount = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Total in the document's currency, taxes included. Credit notes "
        "and returns are negative.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_company = fields.Monetary(
        string="Amount in Company Currency",
        currency_field="company_currency_id",
        readonly=True,
    )
    company_currency_id = fields.Many2one("res.currency", readonly=True)

    @api.depends("state", "document_kind")
    def _compute_status_label(self):
        labels = {
            "draft": self.env._("Draft"),
            "sent": self.env._("Sent"),
            "sale": self.env._("Confirmed"),
            "cancel": self.env._("Cancelled"),
            "posted": self.env._("Posted"),
            "done": self.env._("Done"),
            "assigned": self.env._("Ready"),
            "confirmed": self.env._("Waiting"),
            "waiting": self.env._("Waiting"),
            "in_process": self.env._("In Process"),
            "paid": self.env._("Paid"),
            "canceled": self.env._("Cancelled"),
            "rejected": self.env._("Rejected"),
        }
        for line in self:
            line.status_label = labels.get(line.state, line.state or "")

    # ------------------------------------------------------------------
    # SQL view
    # ------------------------------------------------------------------

    def _select_orders(self):
        return """
            SELECT
                so.id AS order_id,
                CASE WHEN so.state = 'sale' THEN 'order' ELSE 'quotation' END
                    AS document_kind,
                'sale.order' AS res_model,
                so.id AS res_id,
                1 AS source_code,
                so.name AS name,
                so.date_order::date AS date,
                so.state AS state,
                so.crm_revision AS revision,
                NULL AS delivery_status,
                NULL AS payment_state,
                so.amount_total AS amount,
                so.currency_id AS currency_id,
                ROUND(so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1),
                      company_currency.decimal_places) AS amount_company,
                so.user_id AS document_user_id
            FROM sale_order so
            JOIN res_company company ON company.id = so.company_id
            JOIN res_currency company_currency
                ON company_currency.id = company.currency_id
        """

    def _select_pickings(self):
        # The value of a transfer is the order lines' tax-included unit price
        # times the quantity moved; returns are negative.
        return """
            SELECT
                picking.sale_id AS order_id,
                CASE WHEN picking_type.code = 'incoming' THEN 'return'
                     ELSE 'delivery' END AS document_kind,
                'stock.picking' AS res_model,
                picking.id AS res_id,
                2 AS source_code,
                picking.name AS name,
                COALESCE(picking.date_done, picking.scheduled_date)::date AS date,
                picking.state AS state,
                0 AS revision,
                CASE
                    WHEN picking_type.code = 'incoming' THEN 'returned'
                    WHEN picking.state = 'done' AND EXISTS (
                        SELECT 1 FROM stock_picking backorder
                        WHERE backorder.backorder_id = picking.id
                    ) THEN 'partial'
                    WHEN picking.state = 'done' THEN 'done'
                END AS delivery_status,
                NULL AS payment_state,
                ROUND(COALESCE(moved.value, 0), so_currency.decimal_places)
                    * CASE WHEN picking_type.code = 'incoming' THEN -1 ELSE 1 END
                    AS amount,
                so.currency_id AS currency_id,
                ROUND(COALESCE(moved.value, 0)
                      / COALESCE(NULLIF(so.currency_rate, 0), 1),
                      company_currency.decimal_places)
                    * CASE WHEN picking_type.code = 'incoming' THEN -1 ELSE 1 END
                    AS amount_company,
                so.user_id AS document_user_id
            FROM stock_picking picking
            JOIN sale_order so ON so.id = picking.sale_id
            JOIN stock_picking_type picking_type
                ON picking_type.id = picking.picking_type_id
            JOIN res_currency so_currency ON so_currency.id = so.currency_id
            JOIN res_company company ON company.id = so.company_id
            JOIN res_currency company_currency
                ON company_currency.id = company.currency_id
            LEFT JOIN LATERAL (
                SELECT SUM(
                    sol.price_total / NULLIF(sol.product_uom_qty, 0)
                    * CASE WHEN move.state = 'done' THEN move.quantity
                           ELSE move.product_uom_qty END
                ) AS value
                FROM stock_move move
                JOIN sale_order_line sol ON sol.id = move.sale_line_id
                WHERE move.picking_id = picking.id AND move.state != 'cancel'
            ) moved ON TRUE
            WHERE picking.sale_id IS NOT NULL
        """

    def _select_moves(self):
        # An invoice linked to order lines of several orders shows once per
        # order. Down payment invoices are those whose order lines are all
        # down payment lines invoiced with a positive quantity.
        return """
            SELECT
                link.order_id AS order_id,
                CASE
                    WHEN move.move_type = 'out_refund' THEN 'credit_note'
                    WHEN link.only_down_payment THEN 'down_payment'
                    ELSE 'invoice'
                END AS document_kind,
                'account.move' AS res_model,
                move.id AS res_id,
                3 AS source_code,
                COALESCE(NULLIF(move.name, '/'), move.ref, '/') AS name,
                COALESCE(move.invoice_date, move.date) AS date,
                move.state AS state,
                0 AS revision,
                NULL AS delivery_status,
                CASE WHEN move.state = 'posted' THEN move.payment_state END
                    AS payment_state,
                move.amount_total
                    * CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                    AS amount,
                move.currency_id AS currency_id,
                move.amount_total_signed AS amount_company,
                move.invoice_user_id AS document_user_id
            FROM (
                SELECT
                    sol.order_id,
                    aml.move_id,
                    BOOL_AND(sol.is_downpayment AND aml.quantity > 0)
                        AS only_down_payment
                FROM sale_order_line_invoice_rel rel
                JOIN sale_order_line sol ON sol.id = rel.order_line_id
                JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                GROUP BY sol.order_id, aml.move_id
            ) link
            JOIN account_move move ON move.id = link.move_id
            WHERE move.move_type IN ('out_invoice', 'out_refund')
        """

    def _select_payments(self):
        # A payment belongs to an order when it is reconciled with one of the
        # order's invoices or was registered from it (payments still in
        # process have no reconciliation yet).
        return """
            SELECT
                link.order_id AS order_id,
                'payment' AS document_kind,
                'account.payment' AS res_model,
                payment.id AS res_id,
                4 AS source_code,
                payment.name AS name,
                payment.date AS date,
                payment.state AS state,
                0 AS revision,
                NULL AS delivery_status,
                CASE WHEN payment.is_reconciled THEN 'reconciled'
                     ELSE 'unreconciled' END AS payment_state,
                payment.amount
                    * CASE WHEN payment.payment_type = 'outbound' THEN -1 ELSE 1 END
                    AS amount,
                payment.currency_id AS currency_id,
                payment.amount_company_currency_signed AS amount_company,
                link.user_id AS document_user_id
            FROM (
                SELECT DISTINCT order_move.order_id, order_move.user_id,
                    payment_link.payment_id
                FROM (
                    SELECT DISTINCT sol.order_id, so.user_id, aml.move_id
                    FROM sale_order_line_invoice_rel rel
                    JOIN sale_order_line sol ON sol.id = rel.order_line_id
                    JOIN sale_order so ON so.id = sol.order_id
                    JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                ) order_move
                JOIN (
                    SELECT invoice_id AS move_id, payment_id
                    FROM account_move__account_payment
                    UNION
                    SELECT invoice_line.move_id, payment.id
                    FROM account_payment payment
                    JOIN account_move_line payment_line
                        ON payment_line.move_id = payment.move_id
                    JOIN account_partial_reconcile partial
                        ON payment_line.id IN (partial.debit_move_id,
                                               partial.credit_move_id)
                    JOIN account_move_line invoice_line
                        ON invoice_line.id IN (partial.debit_move_id,
                                               partial.credit_move_id)
                        AND invoice_line.id != payment_line.id
                ) payment_link ON payment_link.move_id = order_move.move_id
            ) link
            JOIN account_payment payment ON payment.id = link.payment_id
        """

    def _source_queries(self):
        """Return the SQL parts of the flow; each returns the same columns."""
        return [
            self._select_orders(),
            self._select_pickings(),
            self._select_moves(),
            self._select_payments(),
        ]

    def _query(self):
        sequence_case = " ".join(
            f"WHEN '{kind}' THEN {rank}"
            for kind, rank in DOCUMENT_KIND_SEQUENCE.items()
        )
        union = "\nUNION ALL\n".join(self._source_queries())
        # Ids combine the order, the document and its source so that they stay
        # stable between a search and the following read.
        return f"""
            SELECT
                (doc.order_id::bigint << 31) + doc.res_id::bigint * 8
                    + doc.source_code AS id,
                doc.order_id,
                so.opportunity_id AS lead_id,
                so.campaign_id AS campaign_id,
                COALESCE(customer.commercial_partner_id, customer.id) AS partner_id,
                so.user_id AS user_id,
                lead.user_id AS lead_user_id,
                so.company_id AS company_id,
                company.currency_id AS company_currency_id,
                CASE doc.document_kind {sequence_case} END AS sequence,
                doc.document_kind,
                doc.res_model,
                doc.res_id,
                doc.name,
                doc.date,
                doc.state,
                doc.revision,
                doc.delivery_status,
                doc.payment_state,
                doc.amount,
                doc.currency_id,
                doc.amount_company,
                doc.document_user_id
            FROM ({union}) doc
            JOIN sale_order so ON so.id = doc.order_id
            JOIN res_partner customer ON customer.id = so.partner_id
            JOIN res_company company ON company.id = so.company_id
            LEFT JOIN crm_lead lead ON lead.id = so.opportunity_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})"
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_document(self):
        """Open the document of the line in its own form view."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def _get_flow_action(self, domain, name):
        """Return the flow list action restricted to ``domain``."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_erp_bridge.crm_document_flow_action"
        )
        action.update({"domain": domain, "name": name, "context": {}})
        return action
