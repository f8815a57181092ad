from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CrmErpBridgeCommon(AccountTestInvoicingCommon):
    """Company with a chart of accounts, a 15% sales tax, products for each
    invoicing policy, a won opportunity and users of each access level.

    Amounts are chosen so that an accountant can redo every figure by hand:
    the unit prices are round and the only tax is 15%.
    """

    @classmethod
    def get_default_groups(cls):
        groups = super().get_default_groups()
        return (
            groups
            | cls.env.ref("sales_team.group_sale_manager")
            | cls.env.ref("stock.group_stock_manager")
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.tax_15 = cls.env["account.tax"].create(
            {
                "name": "Sales tax 15%",
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.env.company.id,
            }
        )
        product_values = {
            "taxes_id": [Command.set(cls.tax_15.ids)],
            "property_account_income_id": cls.company_data["default_account_revenue"].id,
        }
        # Services invoiced on order: no delivery, no picking.
        cls.service = cls.env["product.product"].create(
            {
                **product_values,
                "name": "Consulting day",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100.0,
            }
        )
        # Goods invoiced on delivered quantities, tracked in stock.
        cls.goods = cls.env["product.product"].create(
            {
                **product_values,
                "name": "Server rack",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "delivery",
                "list_price": 100.0,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Brandt Maschinenbau GmbH", "is_company": True}
        )
        cls.stage_won = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)

        # Users: two salespeople seeing their own documents, an accountant.
        cls.salesman = new_test_user(
            cls.env,
            login="erp_salesman",
            name="Sven Salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.env.company.id,
        )
        cls.other_salesman = new_test_user(
            cls.env,
            login="erp_other_salesman",
            name="Olga Other",
            groups="sales_team.group_sale_salesman",
            company_id=cls.env.company.id,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="erp_accountant",
            name="Anna Accountant",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
        )

    # ------------------------------------------------------------------
    # Document helpers, each one the way a user does it in the UI
    # ------------------------------------------------------------------

    @classmethod
    def create_opportunity(cls, name="Rack rollout", user=None, revenue=0.0):
        return cls.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": (user or cls.salesman).id,
                "expected_revenue": revenue,
            }
        )

    @classmethod
    def create_order(cls, lines, lead=None, user=None, currency=None, confirm=True):
        """Create an order of ``lines`` [(product, quantity, unit price)]."""
        values = {
            "partner_id": cls.customer.id,
            "user_id": (user or cls.salesman).id,
            "opportunity_id": lead.id if lead else False,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "product_uom_qty": qty, "price_unit": price}
                )
                for product, qty, price in lines
            ],
        }
        if currency:
            values["pricelist_id"] = cls.env["product.pricelist"].create(
                {"name": f"Prices in {currency.name}", "currency_id": currency.id}
            ).id
        order = cls.env["sale.order"].create(values)
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def invoice_order(cls, order, method="delivered", post=True, invoice_date=None, **values):
        """Invoice ``order`` through the invoicing wizard and return the invoice."""
        wizard = cls.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create({"advance_payment_method": method, **values})
        action = wizard.create_invoices()
        invoice = cls.env["account.move"].browse(action["res_id"]) if action.get(
            "res_id"
        ) else order.invoice_ids.filtered(lambda move: move.state == "draft")[-1:]
        if invoice_date:
            invoice.invoice_date = invoice_date
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def refund_invoice(cls, invoice, post=True):
        """Create the full credit note of ``invoice`` through the reversal wizard."""
        wizard = cls.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "reason": "Goods sent back",
                "journal_id": invoice.journal_id.id,
                "date": invoice.invoice_date,
            }
        )
        action = wizard.refund_moves()
        credit_note = cls.env["account.move"].browse(action["res_id"])
        if post:
            credit_note.action_post()
        return credit_note

    @classmethod
    def pay_invoice(cls, invoice, amount=None, currency=None, date=None):
        """Register a payment of ``invoice`` through the payment wizard."""
        values = {"payment_date": date or cls.today}
        if amount is not None:
            values["amount"] = amount
        if currency:
            values["currency_id"] = currency.id
        wizard = cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(values)
        return wizard._create_payments()

    @classmethod
    def deliver(cls, picking, quantities):
        """Validate ``picking`` with ``quantities`` {product: quantity}; a
        shorter delivery leaves a backorder."""
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0.0)
            move.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        return picking

    @classmethod
    def return_picking(cls, picking, quantities):
        """Return ``quantities`` {product: quantity} of a done ``picking`` and
        validate the return."""
        wizard = cls.env["stock.return.picking"].with_context(
            active_model="stock.picking", active_id=picking.id
        ).create({})
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0.0)
        action = wizard.action_create_returns()
        returned = cls.env["stock.picking"].browse(action["res_id"])
        cls.deliver(returned, quantities)
        return returned

    @classmethod
    def days_ago(cls, days):
        return cls.today - timedelta(days=days)

    def flow_of(self, order):
        """Return the flow lines of ``order`` as tuples that read like the
        list view: (kind, document, status, amount)."""
        self.env.flush_all()
        self.env.invalidate_all()
        lines = self.env["crm.document.flow"].search([("order_id", "=", order.id)])
        return [(line.document_kind, line.name, line.state, line.amount) for line in lines]

    def figures_of(self, order):
        """Return the report figures of ``order``, read fresh from the view."""
        self.env.flush_all()
        self.env.invalidate_all()
        report = self.env["crm.quote.to.cash.report"].browse(order.id)
        return {
            "ordered": report.amount_ordered,
            "delivered": report.amount_delivered,
            "invoiced": report.amount_invoiced,
            "paid": report.amount_paid,
            "open": report.amount_open,
        }
