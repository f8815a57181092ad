from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
@freeze_time(CrmCampaignCommon.NOW)
class TestCampaign(CrmCampaignCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fair = cls.env["utm.campaign"].create({"name": "Trade fair", "crm_cost": 1000})
        cls.webinar = cls.env["utm.campaign"].create({"name": "Webinar"})
        cls.webinar_mailing = cls.env["mailing.mailing"].create({
            "subject": "Webinar invitation",
            "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
            "campaign_id": cls.webinar.id,
        })
        # Anna and Bert engaged with the webinar mail before their leads existed.
        cls._add_trace(cls.anna, opened=cls._days_ago(2), mailing=cls.webinar_mailing)
        cls._add_trace(cls.bert, clicked=cls._days_ago(1), mailing=cls.webinar_mailing)
        won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.leads = cls.env["crm.lead"].create([
            {"name": "Anna's order", "email_from": "anna@example.com",
             "type": "opportunity", "campaign_id": cls.fair.id,
             "expected_revenue": 5000, "stage_id": won_stage.id},
            {"name": "Dora's question", "email_from": "dora@example.com",
             "type": "lead", "campaign_id": cls.fair.id, "expected_revenue": 2000},
            {"name": "Bert's request", "email_from": "bert@example.com",
             "type": "lead"},
        ])

    def test_first_touch_attribution(self):
        self.assertEqual(self.fair.crm_lead_count, 2)
        self.assertEqual(self.fair.crm_opportunity_count, 1)
        self.assertEqual(self.fair.crm_won_revenue, 5000)
        self.assertEqual(self.fair.crm_return, 400.0)
        self.assertEqual(self.webinar.crm_lead_count, 0)
        self.assertEqual(self.webinar.crm_return, 0.0, "No cost, no return figure")

    def test_last_touch_attribution(self):
        (self.fair | self.webinar).write({"crm_attribution_model": "last_touch"})
        # Dora's lead has no earlier mail touch, so it keeps the fair.
        self.assertEqual(self.fair.crm_lead_count, 1)
        self.assertEqual(self.fair.crm_won_revenue, 0)
        self.assertEqual(self.fair.crm_return, -100.0)
        self.assertEqual(self.webinar.crm_lead_count, 2)
        self.assertEqual(self.webinar.crm_opportunity_count, 1)
        self.assertEqual(self.webinar.crm_won_revenue, 5000)

    def _count_attribution_queries(self, campaigns):
        campaigns.invalidate_recordset()
        self.env.flush_all()
        before = self.cr.sql_log_count
        campaigns.mapped("crm_won_revenue")
        return self.cr.sql_log_count - before

    def test_attribution_query_count(self):
        more = self.env["utm.campaign"].create([{"name": "Radio"}, {"name": "Print"}])
        # A first run fills the caches that do not depend on the campaigns.
        self._count_attribution_queries(self.fair)
        two = self._count_attribution_queries(self.fair | self.webinar)
        four = self._count_attribution_queries(self.fair | self.webinar | more)
        self.assertEqual(two, four, "Query count must not grow with the campaigns")
        # Campaign read and leads; with Sales also revenue and margin.
        self.assertLessEqual(four, 4)

    def test_invoiced_and_paid_revenue(self):
        if "sale.order" not in self.env or "opportunity_id" not in (
            self.env["sale.order"]._fields
        ):
            self.assertEqual(self.fair.crm_invoiced_revenue, 0)
            self.assertEqual(self.fair.crm_paid_revenue, 0)
            return
        product = self.env["product.product"].create({
            "name": "Consulting day",
            "list_price": 1000,
            "invoice_policy": "order",
            "taxes_id": [],
        })
        order = self.env["sale.order"].create({
            "partner_id": self.anna.id,
            "opportunity_id": self.leads[0].id,
            "order_line": [Command.create({
                "product_id": product.id, "product_uom_qty": 2, "price_unit": 1000,
                "tax_id": [],
            })],
        })
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(self.fair.crm_invoiced_revenue, 2000)
        self.assertEqual(self.fair.crm_paid_revenue, 0)
        self.assertEqual(self.webinar.crm_invoiced_revenue, 0)

    def test_placeholders_with_fallbacks(self):
        company = self.env["res.partner"].create(
            {"name": "Adler GmbH", "is_company": True}
        )
        self.anna.parent_id = company
        self.assertEqual(self.anna.crm_first_name, "Anna")
        self.assertEqual(self.anna.crm_salutation, "Hello Anna")
        self.assertEqual(self.anna.crm_company_name, "Adler GmbH")
        self.assertEqual(self.anna.crm_salesperson_name, "Sam Sales")
        self.assertEqual(self.anna.crm_salesperson_email, "sam@example.com")

        self.assertEqual(company.crm_first_name, "")
        self.assertEqual(company.crm_salutation, "Hello")
        self.assertEqual(company.crm_company_name, "Adler GmbH")
        self.assertEqual(self.dora.crm_company_name, "")
        self.assertEqual(self.dora.crm_salesperson_name, self.env.company.name)

        lead = self.leads[1]
        lead.write({"contact_name": "Dora Diaz", "partner_name": "Diaz SARL"})
        self.assertEqual(lead.crm_salutation, "Hello Dora")
        self.assertEqual(lead.crm_company_name, "Diaz SARL")

    def test_personalised_mailing_body(self):
        mailing = self.env["mailing.mailing"].create({
            "subject": "{{ object.crm_salutation }}",
            "body_html": "<p><t t-out=\"object.crm_salutation\"/>, "
                         "<t t-out=\"object.crm_salesperson_name\"/></p>",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
        })
        records = self.anna | self.dora
        subjects = mailing._render_field("subject", records.ids)
        bodies = mailing._render_field("body_html", records.ids)
        self.assertEqual(subjects[self.anna.id], "Hello Anna")
        self.assertIn("Hello Anna, Sam Sales", bodies[self.anna.id])
        self.assertIn(f"Hello Dora, {self.env.company.name}", bodies[self.dora.id])

    def test_ab_test_with_segment(self):
        segment = self._make_segment([{"criterion_type": "email_opened"}])
        members = segment._search_members()
        self.assertEqual(len(members), 4)
        mailing = self.env["mailing.mailing"].create({
            "subject": "Version A",
            "body_html": "<p>A</p>",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "crm_segment_id": segment.id,
            "campaign_id": self.webinar.id,
            "ab_testing_enabled": True,
            "ab_testing_pc": 50,
        })
        recipients = mailing._get_recipients()
        self.assertEqual(len(recipients), 2)
        self.assertTrue(set(recipients) <= set(members.ids))
