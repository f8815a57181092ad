import json
from datetime import timedelta

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import CrmCampaignCommon

VISITOR = "3f2a9c1e-5b7d-4e11-9a0b-2c4d6e8f0a1b"


@tagged("post_install", "-at_install")
class TestTrackingEndpoint(HttpCase, CrmCampaignCommon):

    def _request(self, method, path, **kwargs):
        return self.opener.request(
            method, self.base_url() + path, timeout=30, **kwargs
        )

    def _track(self, data=None, json_body=None, cookies=None):
        if json_body is not None:
            return self._request(
                "POST",
                "/crm_campaign/track",
                data=json.dumps(json_body),
                headers={"Content-Type": "application/json"},
                cookies=cookies,
            )
        return self._request("POST", "/crm_campaign/track", data=data, cookies=cookies)

    def _events(self, **domain):
        return self.env["crm.tracking.event"].search(
            [(key, "=", value) for key, value in domain.items()]
        )

    def test_visit_with_signed_token(self):
        response = self._track({
            "event": "website_visit",
            "url": "https://shop.example.com/offers",
            "token": self.bert._crm_tracking_token(),
        })
        self.assertEqual(response.status_code, 204)
        event = self._events(partner_id=self.bert.id)
        self.assertEqual(event.event_type, "website_visit")
        self.assertEqual(event.url, "https://shop.example.com/offers")

    def test_json_download(self):
        response = self._track(json_body={
            "event": "download",
            "url": "https://shop.example.com/catalogue.pdf",
            "token": self.dora._crm_tracking_token(),
        })
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self._events(partner_id=self.dora.id).event_type, "download")

    def test_forged_token_records_anonymous_visit(self):
        forged = f"{self.carla.id}.{'0' * 32}"
        response = self._track({
            "event": "website_visit", "url": "/x", "token": forged, "visitor": VISITOR,
        })
        self.assertEqual(response.status_code, 204)
        self.assertFalse(self._events(partner_id=self.carla.id))
        event = self._events(visitor_uuid=VISITOR)
        self.assertFalse(event.partner_id)

    @mute_logger("odoo.http")
    def test_invalid_input_rejected(self):
        token = self.bert._crm_tracking_token()
        cases = [
            {"event": "form_submit", "url": "/x", "token": token},
            {"event": "delete_everything", "url": "/x"},
            {"event": "website_visit", "url": "/" + "x" * 2100},
            {"event": "website_visit", "url": "/x", "visitor": "<script>"},
            {"event": "website_visit", "url": "/x", "filler": "y" * 5000},
        ]
        for data in cases:
            with self.subTest(data=str(data)[:60]):
                self.assertEqual(self._track(data).status_code, 400)
        self.assertEqual(self._track(json_body=["not", "an", "object"]).status_code, 400)
        self.assertFalse(self._events(partner_id=self.bert.id))

    def test_unstorable_text_rejected(self):
        """NUL characters, lone surrogates and non-ASCII digits from public
        visitors get a 400 answer or the invalid-link page, not a server error."""
        nul = self._track({"event": "website_visit", "url": "/a\x00b"})
        self.assertEqual(nul.status_code, 400)
        surrogate = self._request(
            "POST",
            "/crm_campaign/track",
            data=b'{"event": "website_visit", "url": "/\\udcff"}',
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(surrogate.status_code, 400)
        superscript = self._track(
            {"event": "website_visit", "url": "/ok", "token": "\u00b2." + "0" * 32}
        )
        self.assertEqual(superscript.status_code, 204)
        self.assertFalse(self._events(url="/ok").partner_id)

        self.authenticate(None, None)
        csrf = http.Request.csrf_token(self)
        for values in (
            {"email": "web\x00@example.com", "list_id": self.newsletter.id},
            {"email": "web@example.com", "name": "We\x00b", "list_id": self.newsletter.id},
            {"email": "web@example.com", "list_id": "\u00b2"},
        ):
            with self.subTest(values=values):
                response = self.url_open(
                    "/crm_campaign/subscribe", data=dict(values, csrf_token=csrf)
                )
                self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["crm.consent"].search([("email", "=", "web@example.com")]))
        confirm = self.url_open("/crm_campaign/consent/confirm?token=a%00b")
        self.assertEqual(confirm.status_code, 404)
        self.assertIn("Link not valid", confirm.text)

    def test_get_not_allowed(self):
        response = self.url_open("/crm_campaign/track?event=website_visit&url=/x")
        self.assertEqual(response.status_code, 405)

    def test_mail_click_identifies_visitor(self):
        self._track({"event": "website_visit", "url": "/before", "visitor": VISITOR})
        link = self.env["link.tracker"].create({
            "url": "https://shop.example.com/spring",
            "title": "Spring",
            "mass_mailing_id": self.spring_mailing.id,
        })
        trace = self.env["mailing.trace"].search([
            ("mass_mailing_id", "=", self.spring_mailing.id),
            ("res_id", "=", self.dora.id),
        ])
        response = self._request(
            "GET",
            f"/r/{link.code}/m/{trace.id}",
            cookies={"crm_campaign_visitor": VISITOR},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 301)
        self.assertEqual(self._events(visitor_uuid=VISITOR).partner_id, self.dora)
        contact_cookie = response.cookies.get("crm_campaign_contact")
        self.assertEqual(contact_cookie, self.dora._crm_tracking_token())
        self.assertTrue(trace.links_click_datetime)

        # Later visits from that browser are known without a token.
        self._track(
            {"event": "website_visit", "url": "/after"},
            cookies={"crm_campaign_contact": contact_cookie},
        )
        self.assertEqual(
            sorted(self._events(partner_id=self.dora.id).mapped("url")),
            ["/after", "/before"],
        )

    def test_mail_click_on_document_is_download(self):
        link = self.env["link.tracker"].create({
            "url": "https://shop.example.com/files/Catalogue.PDF",
            "title": "Catalogue",
            "mass_mailing_id": self.spring_mailing.id,
        })
        trace = self.env["mailing.trace"].search([
            ("mass_mailing_id", "=", self.spring_mailing.id),
            ("res_id", "=", self.bert.id),
        ])
        self._request("GET", f"/r/{link.code}/m/{trace.id}", allow_redirects=False)
        download = self._events(partner_id=self.bert.id)
        self.assertEqual(download.event_type, "download")
        self.assertEqual(download.url, "https://shop.example.com/files/Catalogue.PDF")

    def test_confirmation_link(self):
        request = self.env["crm.consent"]._request_subscription(
            "web@example.com", self.newsletter
        )
        response = self.url_open(
            f"/crm_campaign/consent/confirm?token={request.sudo().token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Newsletter", response.text)
        self.assertEqual(
            self.env["crm.consent"].search([("email", "=", "web@example.com")]).mapped(
                "action"
            ),
            ["confirmed", "requested"],
        )
        self.assertEqual(
            self.url_open(
                f"/crm_campaign/consent/confirm?token={request.sudo().token}"
            ).status_code,
            404,
        )

    def test_subscribe_form_starts_double_opt_in(self):
        self.authenticate(None, None)
        self.opener.cookies.set("crm_campaign_visitor", VISITOR)
        response = self.url_open("/crm_campaign/subscribe", data={
            "email": "web@example.com",
            "name": "Web Visitor",
            "list_id": self.newsletter.id,
            "csrf_token": http.Request.csrf_token(self),
        })
        self.assertEqual(response.status_code, 200)
        self.assertIn("confirm your subscription", response.text)
        request = self.env["crm.consent"].search([("email", "=", "web@example.com")])
        self.assertEqual(request.action, "requested")
        self.assertEqual(request.channel, "web_form")
        self.assertEqual(request.sudo().visitor_uuid, VISITOR)

        closed = self.env["mailing.list"].create({"name": "Internal"})
        response = self.url_open("/crm_campaign/subscribe", data={
            "email": "web@example.com",
            "list_id": closed.id,
            "csrf_token": http.Request.csrf_token(self),
        })
        self.assertEqual(response.status_code, 400)

    @mute_logger("odoo.addons.crm_campaign.controllers.main")
    def test_subscribe_rate_limit(self):
        """A fourth request for one address within the hour, or an eleventh
        from one IP address, gets a 429 page and no consent or mail."""
        self.authenticate(None, None)

        def subscribe(email):
            return self.url_open("/crm_campaign/subscribe", data={
                "email": email,
                "list_id": self.newsletter.id,
                "csrf_token": http.Request.csrf_token(self),
            })

        Consent = self.env["crm.consent"]
        for _attempt in range(3):
            self.assertEqual(subscribe("flood@example.com").status_code, 200)
        mails_before = self.env["mail.mail"].search_count([("email_to", "=", "flood@example.com")])
        refused = subscribe("flood@example.com")
        self.assertEqual(refused.status_code, 429)
        self.assertIn("Too many requests", refused.text)
        self.assertNotIn("Traceback", refused.text)
        self.assertEqual(Consent.search_count([("email", "=", "flood@example.com")]), 3)
        self.assertEqual(
            self.env["mail.mail"].search_count([("email_to", "=", "flood@example.com")]),
            mails_before,
        )

        for number in range(7):
            self.assertEqual(subscribe(f"visitor{number}@example.com").status_code, 200)
        refused = subscribe("visitor99@example.com")
        self.assertEqual(refused.status_code, 429)
        self.assertFalse(Consent.search([("email", "=", "visitor99@example.com")]))

        # Requests older than an hour no longer count.
        Consent.search([("ip_address", "=", "127.0.0.1")]).write(
            {"date": fields.Datetime.now() - timedelta(hours=2)}
        )
        self.assertEqual(subscribe("visitor99@example.com").status_code, 200)

    @mute_logger("odoo.http")
    def test_subscribe_needs_csrf_token(self):
        response = self.url_open(
            "/crm_campaign/subscribe",
            data={"email": "web@example.com", "list_id": self.newsletter.id},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["crm.consent"].search([("email", "=", "web@example.com")]))


@tagged("post_install", "-at_install")
class TestTrackingIntegration(CrmCampaignCommon):

    def test_events_feed_crm_core_scoring(self):
        score_events = self.env["crm.score.event"]
        before = score_events.search_count([("partner_id", "=", self.dora.id)])
        self.env["crm.tracking.event"]._record(
            "download", url="/catalogue.pdf", partner=self.dora
        )
        trace = self._add_trace(self.dora)
        trace.set_opened()
        trace.set_opened()  # the pixel loads again: no second scoring event
        trace.set_clicked()
        events = score_events.search([("partner_id", "=", self.dora.id)])
        self.assertEqual(len(events) - before, 3)
        self.assertEqual(
            sorted(events.mapped("event_type")), ["download", "email_click", "email_open"]
        )

    def test_timeline_shows_campaign_rows(self):
        self.env.flush_all()
        rows = self.env["crm.interaction"].search([("contact_id", "=", self.anna.id)])
        by_type = {row.interaction_type: row for row in rows}
        self.assertEqual(by_type["campaign_mail"].name, "Spring offers")
        self.assertEqual(by_type["campaign_mail"].summary, "opened")
        self.assertEqual(by_type["web_behaviour"].summary, "https://shop.example.com/pricing")
        self.assertEqual(by_type["web_behaviour"].id % 64, 41)
        self.assertEqual(by_type["campaign_mail"].id % 64, 40)
