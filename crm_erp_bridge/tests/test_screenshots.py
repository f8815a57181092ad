from odoo import Command
from odoo.tests import tagged

from odoo.addons.crm_core.tests.test_screenshots import CrmScreenshotCase


@tagged("post_install", "-at_install", "crm_screenshots")
class TestErpBridgeScreenshots(CrmScreenshotCase):
    """A demo opportunity followed from its quotation to the payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls.env["crm.lead"].search([("name", "=", "Info about services")])
        cabinet = cls.env.ref("product.product_product_6")
        design = cls.env.ref("product.product_product_1")
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.lead.partner_id.id,
                "opportunity_id": cls.lead.id,
                "user_id": cls.env.ref("base.user_admin").id,
                "order_line": [
                    Command.create({"product_id": cabinet.id, "product_uom_qty": 4}),
                    Command.create({"product_id": design.id, "product_uom_qty": 10}),
                ],
            }
        )
        cls.order.action_confirm()
        picking = cls.order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.with_context(skip_backorder=True).button_validate()
        cls.invoice = cls.order._create_invoices()
        cls.invoice.action_post()
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.invoice.ids
        ).create({"amount": round(cls.invoice.amount_total / 2, 2)})._create_payments()

    def test_erp_bridge_screens(self):
        self.assertEqual(len(self.lead), 1, "demo deal 'Info about services' missing")
        self.assertEqual(self.invoice.payment_state, "partial")
        lead_form = f"/odoo/crm/{self.lead.id}"
        screens = [
            {
                "name": "document_flow",
                "url": lead_form,
                # Open "More" when the smart button does not fit in the button box.
                "clicks": ["?.o_button_more", "button[name='action_view_crm_document_flow']"],
                "wait_for": ".o_list_view",
                "texts": {
                    "en_US": [self.order.name, self.invoice.name, "Delivery", "Payment"],
                    "de_DE": [self.order.name, self.invoice.name],
                },
            },
            {
                "name": "quote_to_cash",
                "url": "/odoo/action-crm_erp_bridge.crm_quote_to_cash_report_action",
                "selector": ".o_list_view",
                "texts": [self.order.name, "Deco Addict"],
            },
        ]
        for lang in self.crm_languages():
            self.crm_screens("admin", screens, lang=lang)
