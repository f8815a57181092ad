"""Markup and template syntax typed into names must render as text.

Names of a customer, a salesperson, an opportunity and a ticket hold a script
tag, an image with an ``onerror`` handler and the placeholder syntaxes of
Odoo's template engines. Every place the server renders them itself (the
forecast and quote-to-cash reports, the at-risk digest, the follow-up mail,
the ticket acknowledgement) must show them escaped, never as live markup and
never evaluated.
"""

from odoo import Command
from odoo.tests import tagged

from .common import CrmErpBridgeCommon

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    "${7*7} {{ 7*7 }} <t t-out=7*7/>"
)
# The same text as the QWeb engine escapes it.
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; "
    "${7*7} {{ 7*7 }} &lt;t t-out=7*7/&gt;"
)
# The hostile tags as a browser or a mail client would run them. The report
# layout has script tags of its own, so only these ones are looked for.
LIVE_MARKUP = ("<script>alert", "<img src=x", "<t t-out=")


@tagged("post_install", "-at_install")
class TestInjectionRendersAsText(CrmErpBridgeCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"name": f"Kunde {HOSTILE}", "email": "kunde@example.com"})
        cls.salesman.write({"name": f"Verkauf {HOSTILE}", "email": "verkauf@example.com"})
        cls.lead = cls.create_opportunity(name=f"Deal {HOSTILE}", revenue=5000.0)
        cls.lead.write({"partner_id": cls.customer.id, "date_deadline": cls.today})

    def assertRendersAsText(self, html, label, occurrences=1):
        html = str(html)
        for markup in LIVE_MARKUP:
            self.assertNotIn(markup, html, f"live markup in the {label}")
        # The placeholders are part of the escaped text, so none was evaluated.
        self.assertGreaterEqual(html.count(ESCAPED), occurrences,
                                f"the escaped name is missing from the {label}")

    def test_forecast_report(self):
        rows = self.env["crm.forecast.report"].search([("user_id", "=", self.salesman.id)])
        self.assertTrue(rows)
        html, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "crm_pipeline.report_crm_forecast", rows.ids)
        self.assertRendersAsText(html.decode(), "forecast PDF")

    def test_quote_to_cash_report(self):
        order = self.create_order([(self.service, 2, 100.0)], lead=self.lead)
        self.invoice_order(order)
        wizard = self.env["crm.quote.to.cash.print"].with_user(self.accountant).create({
            "date_from": self.days_ago(1),
            "date_to": self.today,
            "user_ids": [Command.set(self.salesman.ids)],
        })
        action = wizard.action_print()
        lines = self.env["crm.quote.to.cash.report"].browse(action["context"]["active_ids"])
        html, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "crm_erp_bridge.report_quote_to_cash", lines.ids, data=action["data"])
        # The customer and the salesperson of the order line.
        self.assertRendersAsText(html.decode(), "quote-to-cash PDF", occurrences=2)

    def _queued_mail(self, **domain):
        mail = self.env["mail.mail"].search(
            [(key, "=", value) for key, value in domain.items()], order="id desc", limit=1)
        self.assertTrue(mail, f"no mail queued for {domain}")
        return mail

    def test_risk_digest_mail(self):
        template = self.env.ref("crm_pipeline.mail_template_risk_digest")
        # As _cron_send_risk_digest sends it, with the at-risk deals in the context.
        template.with_context(crm_risk_leads=self.lead).send_mail(
            self.salesman.id, email_layout_xmlid="mail.mail_notification_light")
        mail = self._queued_mail(model="res.users", res_id=self.salesman.id)
        # The greeting, the deal and its salesperson.
        self.assertRendersAsText(mail.body_html, "at-risk digest", occurrences=3)

    def test_follow_up_mail(self):
        template = self.env.ref("crm_pipeline.mail_template_crm_lead_followup")
        self.lead.message_post_with_source(
            template, email_layout_xmlid="mail.mail_notification_light",
            subtype_xmlid="mail.mt_comment")
        message = self.lead.message_ids[0]
        self.assertRendersAsText(message.body, "follow-up message", occurrences=3)
        self.assertEqual(message.subject, f"Following up: Deal {HOSTILE}",
                         "the subject is text: nothing in it is evaluated")
        mail = self._queued_mail(mail_message_id=message.id)
        self.assertRendersAsText(mail.body_html, "follow-up mail", occurrences=3)

    def test_ticket_acknowledgement(self):
        ticket = self.env["crm.helpdesk.ticket"].sudo().create({
            "name": f"Ticket {HOSTILE}",
            "partner_id": self.customer.id,
            "description": f"<p>Beschreibung</p>{HOSTILE}",
        })
        self.assertNotIn("<script", ticket.description)
        self.assertNotIn("onerror", ticket.description)
        ticket._send_acknowledgement()
        message = ticket.message_ids.filtered(lambda msg: "opened ticket" in str(msg.body))[:1]
        self.assertTrue(message, "no acknowledgement posted")
        # The customer's name and the ticket's subject.
        self.assertRendersAsText(message.body, "acknowledgement message", occurrences=2)
        mail = self._queued_mail(mail_message_id=message.id)
        self.assertRendersAsText(mail.body_html, "acknowledgement mail", occurrences=2)
