from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
@freeze_time(CrmCampaignCommon.NOW)
class TestErpCriteria(CrmCampaignCommon):
    """ERP criteria work when Sales and Invoicing are installed (for example with
    crm_erp_bridge) and are rejected with a clear message otherwise."""

    def test_sales_criteria(self):
        if "sale.order" not in self.env:
            segment = self._make_segment([{"criterion_type": "bought_product"}])
            with self.assertRaisesRegex(UserError, "needs the Sales application"):
                segment._get_member_domain()
            self.assertEqual(segment.member_count, 0)
            self.assertIn("needs the Sales application", segment.evaluation_error)
            return
        category = self.env["product.category"].create({"name": "Machines"})
        drill = self.env["product.product"].create(
            {"name": "Drill", "categ_id": category.id, "list_price": 100}
        )
        saw = self.env["product.product"].create({"name": "Saw", "list_price": 50})
        company = self.env["res.partner"].create({"name": "Adler GmbH", "is_company": True})
        self.anna.parent_id = company
        employee = self.env["res.partner"].create(
            {"name": "Axel Adler", "parent_id": company.id, "email": "axel@example.com"}
        )

        def order(partner, product, days_ago):
            sale = self.env["sale.order"].create({
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            })
            sale.action_confirm()
            sale.date_order = self.NOW - timedelta(days=days_ago)
            return sale

        order(employee, drill, 10)
        order(self.bert, saw, 200)
        # A quotation is no purchase.
        self.env["sale.order"].create({
            "partner_id": self.dora.id,
            "order_line": [(0, 0, {"product_id": drill.id})],
        })
        bought_drill = self._make_segment([{
            "criterion_type": "bought_product", "erp_record": f"product.product,{drill.id}",
        }], restrict=False)
        bought_machines = self._make_segment([{
            "criterion_type": "bought_category",
            "erp_record": f"product.category,{category.id}",
        }], restrict=False)
        lapsed = self._make_segment([
            {"criterion_type": "ordered_recently", "days": 90, "operator": "is_not"},
            {"criterion_type": "domain",
             "filter_domain": f"[('id', 'in', {self.people.ids})]"},
        ])
        # Anna's company bought the drill through Axel.
        self.assertEqual(
            sorted((bought_drill._search_members()).mapped("name")),
            ["Adler GmbH", "Anna Adler", "Axel Adler"],
        )
        self.assertEqual(bought_machines._search_members(), bought_drill._search_members())
        self.assertEqual(
            self._member_names(lapsed),
            ["Bert Brandt", "Carla Cruz", "Dora Diaz", "Frank Fuchs"],
        )

    def test_invoice_and_ticket_criteria(self):
        paid_late = self._make_segment([{"criterion_type": "paid_late", "days": 30}])
        if "account.move" not in self.env:
            with self.assertRaisesRegex(UserError, "Invoicing"):
                paid_late._get_member_domain()
        else:
            invoice = self.env["account.move"].create({
                "move_type": "out_invoice",
                "partner_id": self.carla.id,
                "invoice_date": (self.NOW - timedelta(days=90)).date(),
                "invoice_date_due": (self.NOW - timedelta(days=60)).date(),
                "invoice_line_ids": [(0, 0, {"name": "Service", "price_unit": 300})],
            })
            invoice.action_post()
            self.assertEqual(self._member_names(paid_late), ["Carla Cruz"])
        ticket = self._make_segment([{"criterion_type": "open_ticket"}], restrict=False)
        ticket_model = ticket.criterion_ids._get_ticket_model()
        if not ticket_model:
            with self.assertRaisesRegex(UserError, "CRM Helpdesk"):
                ticket._get_member_domain()
        else:
            self.assertFalse(ticket._search_members() & self.people)
            self.env[ticket_model].create({"name": "Broken drill", "partner_id": self.dora.id})
            self.assertEqual(ticket._search_members() & self.people, self.dora)
