from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
@freeze_time(CrmCampaignCommon.NOW)
class TestConsent(CrmCampaignCommon):

    def _consents(self, email):
        return self.env["crm.consent"].search([("email", "=", email)], order="id")

    def test_unsubscribing_one_list_keeps_the_others(self):
        contact = self._subscribe(self.dora, self.newsletter)
        self._subscribe(self.dora, self.events_list)
        newsletter_sub = contact.subscription_ids.filtered(
            lambda sub: sub.list_id == self.newsletter
        )
        newsletter_sub.opt_out = True
        events_sub = contact.subscription_ids.filtered(
            lambda sub: sub.list_id == self.events_list
        )
        self.assertFalse(events_sub.opt_out)
        self.assertFalse(self.dora.is_blacklisted)
        consents = self._consents("dora@example.com")
        self.assertEqual(
            [(c.action, c.mailing_list_id.name) for c in consents],
            [
                ("subscribed", "Newsletter"),
                ("subscribed", "Event invitations"),
                ("unsubscribed", "Newsletter"),
            ],
        )
        self.assertEqual(consents.partner_id, self.dora)
        self.assertIn(consents[-1], self.dora.crm_consent_ids)

    def test_blocklist_is_recorded_and_honoured(self):
        self.env["mail.blacklist"]._add("dora@example.com")
        segment = self._make_segment([
            {"criterion_type": "domain",
             "filter_domain": f"[('id', 'in', {self.people.ids})]"},
        ])
        self.assertNotIn(self.dora, segment._search_members())
        self.env["mail.blacklist"]._remove("dora@example.com")
        self.assertIn(self.dora, segment._search_members())
        self.assertEqual(
            self._consents("dora@example.com").mapped("action"),
            ["blocklisted", "unblocklisted"],
        )

    def test_double_opt_in(self):
        self.env["crm.tracking.event"]._record(
            "website_visit", url="/pricing", visitor_uuid="visitor-0001"
        )
        request = self.env["crm.consent"]._request_subscription(
            "New.Person@Example.com", self.newsletter, name="New Person",
            ip_address="203.0.113.7", visitor_uuid="visitor-0001",
        )
        self.assertEqual(request.email, "new.person@example.com")
        self.assertEqual(request.action, "requested")
        subscription = self.env["mailing.subscription"].search([
            ("contact_id.email_normalized", "=", "new.person@example.com"),
            ("list_id", "=", self.newsletter.id),
        ])
        self.assertTrue(subscription.opt_out, "Not subscribed before confirmation")
        confirmation = self.env["mail.mail"].search([
            ("email_to", "=", "new.person@example.com"),
        ])
        self.assertEqual(len(confirmation), 1)
        self.assertIn(request.sudo().token, confirmation.body_html)

        with freeze_time(self.NOW + timedelta(days=1)):
            confirmed = self.env["crm.consent"]._confirm_subscription(
                request.sudo().token, ip_address="203.0.113.8"
            )
        self.assertEqual(confirmed.action, "confirmed")
        self.assertEqual(confirmed.channel, "email_link")
        self.assertEqual(confirmed.ip_address, "203.0.113.8")
        self.assertFalse(subscription.opt_out)
        # The unknown visitor became a contact with the visit and the form.
        partner = confirmed.partner_id
        self.assertEqual(partner.name, "New Person")
        self.assertEqual(partner.email, "new.person@example.com")
        events = self.env["crm.tracking.event"].search([("partner_id", "=", partner.id)])
        self.assertEqual(sorted(events.mapped("event_type")), ["form_submit", "website_visit"])
        self.assertFalse(
            self.env["crm.consent"]._confirm_subscription(request.sudo().token),
            "A confirmation link works once",
        )

    def test_double_opt_in_link_expires(self):
        request = self.env["crm.consent"]._request_subscription(
            "late@example.com", self.newsletter
        )
        with freeze_time(self.NOW + timedelta(days=8)):
            self.assertFalse(
                self.env["crm.consent"]._confirm_subscription(request.sudo().token)
            )
        self.assertFalse(self.env["crm.consent"]._confirm_subscription("forged"))

    def test_double_opt_in_rejects_bad_input(self):
        with self.assertRaisesRegex(UserError, "not a valid email address"):
            self.env["crm.consent"]._request_subscription("nobody", self.newsletter)
        private = self.env["mailing.list"].create({"name": "Staff", "is_public": False})
        with self.assertRaisesRegex(UserError, "does not accept subscriptions"):
            self.env["crm.consent"]._request_subscription("a@example.com", private)

    def test_mailing_to_contacts_honours_list_opt_out(self):
        segment = self._make_segment(
            [{"criterion_type": "country", "country_ids": [self.germany.id]}],
            optout_list_ids=[self.newsletter.id],
        )
        mailing = self.env["mailing.mailing"].create({
            "subject": "News",
            "body_html": "<p>News</p>",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "crm_segment_id": segment.id,
        })
        # Frank's address is sent to directly: the opt-out still cancels it.
        mailing._crm_send_to((self.anna | self.frank | self.eve).ids)
        traces = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        by_email = {trace.email: trace for trace in traces}
        self.assertEqual(by_email["anna@example.com"].trace_status, "outgoing")
        self.assertEqual(by_email["frank@example.com"].failure_type, "mail_optout")
        self.assertEqual(by_email["eve@example.com"].failure_type, "mail_bl")
