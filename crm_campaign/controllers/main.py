import json
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

from markupsafe import escape

from odoo import fields, http, tools
from odoo.exceptions import UserError
from odoo.http import Response, request

from odoo.addons.mass_mailing.controllers.main import MassMailController

from ..models.crm_tracking_event import MAX_URL_LENGTH

_logger = logging.getLogger(__name__)

# Events a browser may report; form submissions only come from our own routes.
PUBLIC_EVENT_TYPES = ("website_visit", "download")
# Largest request body the tracking endpoint reads, in bytes.
MAX_TRACKING_BODY = 4096
VISITOR_COOKIE = "crm_campaign_visitor"
CONTACT_COOKIE = "crm_campaign_contact"
# Lifetime of both cookies: one year, in seconds.
COOKIE_MAX_AGE = 365 * 24 * 3600
VISITOR_PATTERN = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# A page address as a browser reports it: an http(s) URL or a path, with no
# space, control character, quote or angle bracket (browsers percent-encode
# them). A value that could carry markup or a javascript: link is rejected.
URL_PATTERN = re.compile(r"(?:https?://|/)[^\x00-\x20\x7f<>\"'`\\]*")
# A mailing link whose path ends like this is counted as a document download.
DOCUMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods",
    ".csv", ".zip",
)
MAX_FIELD_LENGTH = 256
# Rate limit of the subscription form, counted on the requests stored in the
# last SUBSCRIBE_WINDOW. A person subscribes once or twice. A script that floods
# an address with confirmation mails, or a network with subscriptions, goes past
# these counts.
SUBSCRIBE_WINDOW = timedelta(hours=1)
SUBSCRIBE_LIMIT_PER_ADDRESS = 3
SUBSCRIBE_LIMIT_PER_IP = 10


def _is_storable_text(value):
    """Tell whether PostgreSQL can store ``value``: no NUL character and no
    lone surrogate (which a JSON body may carry as an escape)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_request(message):
    return Response(message, status=400, content_type="text/plain; charset=utf-8")


def _plain_page(title, message, status=200):
    body = f"<html><body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
    return Response(body, status=status, content_type="text/html; charset=utf-8")


class CrmCampaignController(http.Controller):

    @http.route(
        "/crm_campaign/track",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        sitemap=False,
    )
    def track(self, **params):
        """Record a page visit or a download sent by the website's beacon.

        CSRF protection is off because browsers send beacons without a token;
        it is not needed because the route only adds an event, and the contact
        comes from a signed token, so a visitor cannot attach events to another
        contact.
        A body may be form-encoded or JSON. Returns 204 on success, 400 on
        invalid input.
        """
        http_request = request.httprequest
        if (http_request.content_length or 0) > MAX_TRACKING_BODY:
            return _bad_request("Request body too large.")
        if http_request.mimetype == "application/json":
            try:
                params = json.loads(http_request.get_data(cache=False, as_text=True))
            except ValueError:
                return _bad_request("Invalid JSON body.")
            if not isinstance(params, dict):
                return _bad_request("The JSON body must be an object.")
        event_type = params.get("event")
        url = params.get("url") or ""
        token = params.get("token") or http_request.cookies.get(CONTACT_COOKIE) or ""
        visitor = params.get("visitor") or http_request.cookies.get(VISITOR_COOKIE) or ""
        if event_type not in PUBLIC_EVENT_TYPES:
            return _bad_request("Unknown event type.")
        if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
            return _bad_request("Invalid url.")
        if not isinstance(visitor, str) or (visitor and not VISITOR_PATTERN.fullmatch(visitor)):
            return _bad_request("Invalid visitor id.")
        if not isinstance(token, str) or len(token) > MAX_FIELD_LENGTH:
            return _bad_request("Invalid token.")
        if not _is_storable_text(url) or (url and not URL_PATTERN.fullmatch(url)):
            return _bad_request("Invalid url.")
        partner = request.env["res.partner"]._crm_partner_from_tracking_token(token)
        if token and not partner:
            # A wrong signature is treated as an anonymous visit, not an error.
            _logger.info("Tracking request with an invalid contact token ignored")
        request.env["crm.tracking.event"]._record(
            event_type,
            url=url,
            partner=partner or None,
            visitor_uuid=visitor or None,
        )
        return Response(status=204)

    @http.route(
        "/crm_campaign/subscribe",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=True,
        sitemap=False,
    )
    def subscribe(self, email="", list_id="", name="", **_kwargs):
        """Start the double opt-in of a web form: the address gets a
        confirmation link and joins the list only when it is followed. The
        form's browser becomes a known visitor at confirmation."""
        if len(email) > MAX_FIELD_LENGTH or len(name) > MAX_FIELD_LENGTH:
            return _bad_request("Field too long.")
        if not (_is_storable_text(email) and _is_storable_text(name)):
            return _bad_request("Invalid characters in the form.")
        # str.isdigit() also accepts digits such as "²" that int() refuses.
        if not (str(list_id).isascii() and str(list_id).isdigit()):
            return _bad_request("Invalid mailing list.")
        # sudo: public visitors cannot read mailing lists; only a public list is taken.
        mailing_list = request.env["mailing.list"].sudo().browse(int(list_id)).exists()
        if not mailing_list or not mailing_list.is_public:
            return _bad_request("Invalid mailing list.")
        ip_address = request.httprequest.remote_addr
        if self._subscribe_rate_exceeded(email, ip_address):
            _logger.warning(
                "Subscription form: rate limit reached for IP %s, request rejected", ip_address
            )
            return _plain_page(
                request.env._("Too many requests"),
                request.env._(
                    "We received too many subscription requests from your network or "
                    "for this email address. Please try again in an hour."
                ),
                429,
            )
        visitor = request.httprequest.cookies.get(VISITOR_COOKIE) or ""
        try:
            request.env["crm.consent"]._request_subscription(
                email,
                mailing_list,
                name=name,
                ip_address=ip_address,
                visitor_uuid=visitor if VISITOR_PATTERN.fullmatch(visitor) else None,
            )
        except UserError as error:
            return _plain_page(request.env._("Subscription failed"), str(error), 400)
        return _plain_page(
            request.env._("Almost done"),
            request.env._("Please check your inbox and confirm your subscription."),
        )

    @staticmethod
    def _subscribe_rate_exceeded(email, ip_address):
        """Tell whether a new subscription request from ``ip_address`` for
        ``email`` goes past the limits of the last SUBSCRIBE_WINDOW."""
        since = fields.Datetime.now() - SUBSCRIBE_WINDOW
        # sudo: public visitors cannot read consent records; only counts are used.
        Consent = request.env["crm.consent"].sudo()
        domain = [
            ("action", "=", "requested"),
            ("channel", "=", "web_form"),
            ("date", ">=", since),
        ]
        if ip_address and (
            Consent.search_count(domain + [("ip_address", "=", ip_address)])
            >= SUBSCRIBE_LIMIT_PER_IP
        ):
            return True
        normalized = tools.email_normalize(email or "")
        return bool(normalized) and (
            Consent.search_count(domain + [("email", "=", normalized)])
            >= SUBSCRIBE_LIMIT_PER_ADDRESS
        )

    @http.route(
        "/crm_campaign/consent/confirm",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def confirm(self, token="", **_kwargs):
        consent = request.env["crm.consent"]
        if _is_storable_text(token):
            consent = consent._confirm_subscription(
                token, ip_address=request.httprequest.remote_addr
            )
        if not consent:
            return _plain_page(
                request.env._("Link not valid"),
                request.env._(
                    "This confirmation link is unknown, was already used or has "
                    "expired. Please subscribe again."
                ),
                404,
            )
        return _plain_page(
            request.env._("Subscription confirmed"),
            request.env._("Thank you, your subscription to %(list)s is confirmed.",
                          list=consent.mailing_list_id.name),
        )


class CrmCampaignMassMailController(MassMailController):

    @http.route()
    def mailing_unsubscribe(self, mailing_id, document_id=None, email=None, hash_token=None):
        """Record the opt-out of an unsubscribe link as made through a mail link.

        crm_campaign's consent log takes the channel of a change from the
        user, and a visitor logged in to the portal is not the public user.
        """
        request.update_context(crm_campaign_consent_channel="email_link")
        return super().mailing_unsubscribe(
            mailing_id, document_id=document_id, email=email, hash_token=hash_token
        )

    @http.route()
    def mailing_update_list_subscription(self, *args, **kwargs):
        request.update_context(crm_campaign_consent_channel="email_link")
        return super().mailing_update_list_subscription(*args, **kwargs)

    @http.route()
    def full_url_redirect(self, code, mailing_trace_id, **post):
        """Identify the browser of a contact who clicks a link in a mailing, and
        count a click on a document link as a download.

        NOTE: mailing trace ids are sequential, so this trusts the click as
        much as Odoo's own click statistics do.
        """
        response = super().full_url_redirect(code, mailing_trace_id, **post)
        trace = request.env["mailing.trace"].sudo().browse(mailing_trace_id).exists()
        partner = request.env["res.partner"]
        if trace and trace.model == "res.partner":
            partner = partner.sudo().browse(trace.res_id).exists()
        elif trace and trace.model == "crm.lead":
            partner = request.env["crm.lead"].sudo().browse(trace.res_id).exists().partner_id
        if partner:
            url = request.env["link.tracker"].sudo().get_url_from_code(code) or ""
            if urlsplit(url).path.lower().endswith(DOCUMENT_EXTENSIONS):
                request.env["crm.tracking.event"]._record("download", url=url, partner=partner)
            response.set_cookie(
                CONTACT_COOKIE,
                partner._crm_tracking_token(),
                max_age=COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
            )
            visitor = request.httprequest.cookies.get(VISITOR_COOKIE) or ""
            if VISITOR_PATTERN.fullmatch(visitor):
                request.env["crm.tracking.event"]._identify_visitor(visitor, partner)
        return response
