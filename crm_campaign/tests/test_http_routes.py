import json
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.main import URL_PATTERN, VISITOR_PATTERN
from .common import CrmCampaignCommon

_logger = logging.getLogger(__name__)

# The five kinds of visitor of every route, by login (None: not logged in).
PUBLIC = None
OWN = "camp_route_anna"
OTHER = "camp_route_bert"
FOREIGN = "camp_route_gus"
INTERNAL = "camp_marketer"
VISITORS = (PUBLIC, OWN, OTHER, FOREIGN, INTERNAL)

VISITOR_ID = "0c9d7e3a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
FUZZ_EXAMPLES = 60
SCRIPT = '<script>alert("track")</script>'
HOSTILE_TEXT = [
    SCRIPT,
    "javascript:alert(1)",
    "/offers<img src=x onerror=alert(1)>",
    '/"><svg onload=alert(1)>',
    "https://shop.example.com/a b",
    "/a\x00b",
    "/line\nbreak",
    "' OR 1=1 --",
    "{{7*7}}",
    "%00%3Cscript%3E",
    "x" * 5000,
    "/" + "y" * 2100,
    "1.00000000000000000000000000000000",
    "\u00b2." + "0" * 32,
]


@tagged("post_install", "-at_install")
class TestCampaignRouteMatrix(HttpCase, CrmCampaignCommon):
    """Every route of crm_campaign's controllers, requested by each visitor.

    - OWN: portal user of Anna Adler, whose tracking token and trace are used;
    - OTHER: portal user of Bert Brandt, another contact of the same company;
    - FOREIGN: portal user of Gus Gamma, a contact of the company "Campaign Two";
    - INTERNAL: Mia, a marketer;
    - PUBLIC: a visitor who is not logged in.

    None of these routes shows stored data. The matrix checks that the
    session never decides whose behaviour or consent is stored: only the signed
    token, the mailing trace or the confirmation link do.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_two = cls.env["res.company"].create({"name": "Campaign Two"})
        gus = cls.env["res.partner"].create(
            {"name": "Gus Gamma", "email": "gus@gamma.example.com",
             "company_id": cls.company_two.id}
        )
        # new_test_user writes the user's name and email on the contact.
        for login, partner in ((OWN, cls.anna), (OTHER, cls.bert)):
            new_test_user(
                cls.env, login, groups="base.group_portal", partner_id=partner.id,
                name=partner.name, email=partner.email,
            )
        new_test_user(
            cls.env, FOREIGN, groups="base.group_portal", partner_id=gus.id,
            name=gus.name, email=gus.email,
            company_id=cls.company_two.id, company_ids=[Command.set(cls.company_two.ids)],
        )
        cls.requests_sent = 0

    @classmethod
    def tearDownClass(cls):
        _logger.info("HTTP route matrix of crm_campaign: %s requests", cls.requests_sent)
        super().tearDownClass()

    def _login(self, login):
        self.authenticate(login, login)

    def _send(self, method, path, **kwargs):
        type(self).requests_sent += 1
        response = self.opener.request(method, self.base_url() + path, timeout=30, **kwargs)
        self.assertNotIn("Traceback", response.text, path)
        return response

    def _events(self, **domain):
        return self.env["crm.tracking.event"].search(
            [(key, "=", value) for key, value in domain.items()]
        )

    def test_track(self):
        token = self.anna._crm_tracking_token()
        for login in VISITORS:
            with self.subTest(visitor=login):
                self._login(login)
                url = f"/matrix/{login or 'public'}"
                signed = self._send("POST", "/crm_campaign/track", data={
                    "event": "website_visit", "url": url, "token": token,
                })
                self.assertEqual(signed.status_code, 204)
                self.assertEqual(self._events(url=url).partner_id, self.anna)

                anonymous_url = f"{url}/anonymous"
                anonymous = self._send("POST", "/crm_campaign/track", data={
                    "event": "download", "url": anonymous_url, "visitor": VISITOR_ID,
                })
                self.assertEqual(anonymous.status_code, 204)
                event = self._events(url=anonymous_url)
                self.assertEqual(len(event), 1)
                self.assertFalse(event.partner_id, "the session must not name the visitor")

                with mute_logger("odoo.http"):
                    get = self._send("GET", "/crm_campaign/track?event=download&url=/x")
                self.assertEqual(get.status_code, 405)

    def test_subscribe_and_confirm(self):
        """Each visitor gets the same page for a known and an unknown address,
        and the request belongs to the address typed, not to the session."""
        Consent = self.env["crm.consent"]
        typed = {
            PUBLIC: self.dora,
            OWN: self.carla,
            OTHER: self.anna,
            FOREIGN: self.anna,
            INTERNAL: self.bert,
        }
        pages = set()
        for login, partner in typed.items():
            with self.subTest(visitor=login):
                self._login(login)
                for email in (partner.email, f"new.{login or 'public'}@example.com"):
                    response = self._send("POST", "/crm_campaign/subscribe", data={
                        "email": email,
                        "list_id": self.events_list.id,
                        "csrf_token": http.Request.csrf_token(self),
                    })
                    self.assertEqual(response.status_code, 200)
                    pages.add(response.text)
                request = Consent.search([("email", "=", partner.email),
                                          ("action", "=", "requested")], limit=1)
                self.assertEqual(request.partner_id, partner)
                with mute_logger("odoo.http"):
                    no_token = self._send("POST", "/crm_campaign/subscribe", data={
                        "email": partner.email, "list_id": self.events_list.id,
                    })
                self.assertEqual(no_token.status_code, 400)

                wrong = self._send("GET", "/crm_campaign/consent/confirm?token=wrong")
                self.assertEqual(wrong.status_code, 404)
                self.assertNotIn("Event invitations", wrong.text)
        self.assertEqual(len(pages), 1, "the answer tells nothing about the address")

        # The link of the confirmation mail confirms once, for whoever opens it.
        request = Consent.search([("email", "=", "anna@example.com"),
                                  ("action", "=", "requested")], limit=1)
        self._login(OTHER)
        link = f"/crm_campaign/consent/confirm?token={request.sudo().token}"
        self.assertEqual(self._send("GET", link).status_code, 200)
        self.assertEqual(self._send("GET", link).status_code, 404)
        confirmed = Consent.search([("email", "=", "anna@example.com"),
                                    ("action", "=", "confirmed")])
        self.assertEqual(confirmed.partner_id, self.anna)

    def test_mail_click(self):
        link = self.env["link.tracker"].create({
            "url": "https://shop.example.com/files/price-list.pdf",
            "title": "Price list",
            "mass_mailing_id": self.spring_mailing.id,
        })
        trace = self.env["mailing.trace"].search([
            ("mass_mailing_id", "=", self.spring_mailing.id), ("res_id", "=", self.dora.id),
        ])
        for login in VISITORS:
            with self.subTest(visitor=login):
                self._login(login)
                response = self._send(
                    "GET", f"/r/{link.code}/m/{trace.id}", allow_redirects=False
                )
                self.assertEqual(response.status_code, 301)
                self.assertEqual(
                    response.headers["Location"], "https://shop.example.com/files/price-list.pdf"
                )
                self.assertEqual(
                    response.cookies.get("crm_campaign_contact"), self.dora._crm_tracking_token()
                )
        downloads = self._events(partner_id=self.dora.id, event_type="download")
        self.assertEqual(len(downloads), len(VISITORS))
        with mute_logger("odoo.http"):
            unknown = self._send("GET", f"/r/{link.code}/m/987654321", allow_redirects=False)
        self.assertIn(unknown.status_code, (301, 302, 404))
        self.assertNotIn("crm_campaign_contact", unknown.cookies)


    def test_unsubscribe_link(self):
        """Odoo's unsubscribe link, whose opt-out crm_campaign logs as consent:
        only the link's token counts, and the change is logged as made from
        the mail for every visitor."""
        mailing = self.env["mailing.mailing"].create({
            "subject": "Event news",
            "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
            "contact_list_ids": [Command.link(self.events_list.id)],
            "body_html": "<p>Events</p>",
        })
        subscription = self.env["mailing.subscription"].search([
            ("list_id", "=", self.events_list.id),
            ("contact_id.email_normalized", "=", "frank@example.com"),
        ])
        contact = subscription.contact_id
        token = mailing._generate_mailing_recipient_token(contact.id, "frank@example.com")
        path = f"/mailing/{mailing.id}/unsubscribe?document_id={contact.id}&email=frank@example.com"
        Consent = self.env["crm.consent"]
        for login in VISITORS:
            with self.subTest(visitor=login):
                self._login(login)
                before = Consent.search_count([("email", "=", "frank@example.com")])
                with mute_logger("odoo.http"):
                    forged = self._send("GET", f"{path}&hash_token={'0' * 64}")
                # Odoo raises Unauthorized. Without the website module,
                # http_routing has no 401 page and answers its generic error
                # page with code 418.
                self.assertIn(forged.status_code, (401, 418))
                self.assertFalse(subscription.opt_out)
                self.assertEqual(
                    Consent.search_count([("email", "=", "frank@example.com")]), before
                )

                valid = self._send("GET", f"{path}&hash_token={token}")
                self.assertEqual(valid.status_code, 200)
                self.assertTrue(subscription.opt_out)
                logged = Consent.search([("email", "=", "frank@example.com")], limit=1)
                self.assertEqual(logged.action, "unsubscribed")
                self.assertEqual(logged.channel, "email_link")
                self.assertEqual(logged.partner_id, self.frank)
                subscription.with_context(crm_campaign_skip_consent_log=True).opt_out = False


@tagged("post_install", "-at_install")
class TestTrackingFuzz(HttpCase, CrmCampaignCommon):
    """Generated hostile requests to the public tracking endpoint."""

    def test_tracking_endpoint_fuzz(self):
        token = self.anna._crm_tracking_token()
        last_event = self.env["crm.tracking.event"].search([], order="id desc", limit=1).id
        outcomes = {}
        texts = st.one_of(st.text(max_size=80), st.sampled_from(HOSTILE_TEXT))
        page_addresses = st.builds(
            "{}{}".format,
            st.sampled_from(["/", "https://shop.example.com/", "http://shop.example.com/"]),
            st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=60),
        )
        scalars = st.one_of(
            st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts
        )
        json_values = st.recursive(
            scalars,
            lambda inner: st.one_of(
                st.lists(inner, max_size=3),
                st.dictionaries(st.text(max_size=10), inner, max_size=3),
            ),
            max_leaves=6,
        )

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            as_json=st.booleans(),
            event=st.one_of(st.sampled_from(["website_visit", "download", "form_submit"]), texts),
            url=st.one_of(page_addresses, texts),
            visitor=st.one_of(st.just(VISITOR_ID), texts),
            signed=st.one_of(st.just(token), texts),
            extra=json_values,
        )
        def send(as_json, event, url, visitor, signed, extra):
            values = {"event": event, "url": url, "visitor": visitor, "token": signed}
            if as_json:
                values["extra"] = extra
                kwargs = {
                    "data": json.dumps(values),
                    "headers": {"Content-Type": "application/json"},
                }
            else:
                values["extra"] = str(extra)[:200]
                kwargs = {"data": values}
            with mute_logger("odoo.http"):
                response = self.opener.request(
                    "POST", self.base_url() + "/crm_campaign/track", timeout=30, **kwargs
                )
            sent = {key: str(value)[:60] for key, value in values.items()}
            self.assertIn(response.status_code, (204, 400), sent)
            self.assertLess(len(response.content), 200, sent)
            self.assertNotIn(b"Traceback", response.content, sent)
            self.assertNotIn(b"<", response.content, sent)
            outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1

        send()
        # A fixed hostile request, so that every run sends at least one.
        script = self.url_open("/crm_campaign/track", data={
            "event": "website_visit", "url": "/offers<script>alert(1)</script>",
        })
        self.assertEqual(script.status_code, 400)

        stored = self.env["crm.tracking.event"].search([("id", ">", last_event)])
        self.assertEqual(len(stored), outcomes.get(204, 0))
        for event in stored:
            self.assertIn(event.event_type, ("website_visit", "download"))
            if event.url:
                self.assertTrue(URL_PATTERN.fullmatch(event.url), event.url[:80])
            if event.visitor_uuid:
                self.assertTrue(VISITOR_PATTERN.fullmatch(event.visitor_uuid))
            self.assertIn(event.partner_id, (self.anna, self.env["res.partner"]))
        _logger.info(
            "Tracking endpoint fuzz: %s requests, %s answered 204, %s answered 400",
            sum(outcomes.values()) + 1,
            outcomes.get(204, 0),
            outcomes.get(400, 0) + 1,
        )
