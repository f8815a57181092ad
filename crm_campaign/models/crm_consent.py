import logging
import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# How long a double opt-in confirmation link stays valid.
CONFIRMATION_VALID_DAYS = 7


class CrmConsent(models.Model):
    _name = "crm.consent"
    _description = "Record of consent"
    _order = "date desc, id desc"
    _rec_name = "email"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    email = fields.Char(required=True, index=True, readonly=True, help="Normalized email")
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index="btree_not_null", ondelete="set null"
    )
    mailing_list_id = fields.Many2one(
        "mailing.list",
        string="Mailing list",
        ondelete="set null",
        help="Empty for the global email blocklist.",
    )
    action = fields.Selection(
        [
            ("requested", "Subscription requested"),
            ("confirmed", "Subscription confirmed"),
            ("subscribed", "Subscribed"),
            ("unsubscribed", "Unsubscribed"),
            ("blocklisted", "Added to blocklist"),
            ("unblocklisted", "Removed from blocklist"),
        ],
        required=True,
        readonly=True,
    )
    channel = fields.Selection(
        [
            ("web_form", "Web form"),
            ("email_link", "Link in an email"),
            ("backend", "Changed by a user"),
        ],
        string="How",
        required=True,
        default="backend",
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Changed by", default=lambda self: self.env.user, readonly=True
    )
    # Indexed for the rate limit of the public subscription form.
    ip_address = fields.Char(string="IP address", readonly=True, index="btree_not_null")
    note = fields.Char(readonly=True)
    company_id = fields.Many2one(
        "res.company", related="partner_id.company_id", store=True, index=True
    )
    token = fields.Char(copy=False, groups="base.group_system", index="btree_not_null")
    confirmed_at = fields.Datetime(readonly=True)
    visitor_uuid = fields.Char(
        groups="base.group_system",
        help="Anonymous browser id of the web form, whose earlier visits join the "
        "contact once the subscription is confirmed.",
    )

    @api.model
    def _log(self, email, action, channel="backend", mailing_list=None, note=None,
             ip_address=None):
        """Store one consent change for an email address.

        :param str email: address, normalized here
        :param str action: value of the ``action`` selection
        :param str channel: value of the ``channel`` selection
        :param mailing_list: mailing.list record, None for the blocklist
        """
        normalized = tools.email_normalize(email or "")
        if not normalized:
            return self.browse()
        return self.sudo().create({
            "email": normalized,
            "partner_id": self._find_partner(normalized).id or False,
            "action": action,
            "channel": channel,
            "mailing_list_id": mailing_list.id if mailing_list else False,
            "note": note or False,
            "ip_address": ip_address or False,
        })

    @api.model
    def _find_partner(self, normalized_email):
        partners = self.env["res.partner"].sudo()
        if hasattr(partners, "_crm_find_by_email"):
            found = partners._crm_find_by_email(normalized_email)
        else:
            found = partners.search(
                [("email_normalized", "=", normalized_email)], order="id"
            )
        return found[:1]

    # ------------------------------------------------------------
    # Double opt-in
    # ------------------------------------------------------------

    @api.model
    def _request_subscription(self, email, mailing_list, name=None, ip_address=None,
                              visitor_uuid=None):
        """Start a double opt-in: the address joins the list opted out and gets a
        confirmation link, which subscribes it.

        :return: the ``requested`` consent record
        """
        normalized = tools.email_normalize(email or "")
        if not normalized:
            raise UserError(self.env._(
                "'%(email)s' is not a valid email address.", email=email or ""
            ))
        if not mailing_list.is_public or not mailing_list.active:
            raise UserError(self.env._(
                "The mailing list %(list)s does not accept subscriptions.",
                list=mailing_list.name,
            ))
        contact = self.env["mailing.contact"].sudo().search(
            [("email_normalized", "=", normalized)], limit=1
        )
        if not contact:
            contact = contact.create({"name": name or normalized, "email": normalized})
        subscription = contact.subscription_ids.filtered(
            lambda sub: sub.list_id == mailing_list
        )
        if not subscription:
            # Kept opted out until the address confirms, so mailings skip it.
            self.env["mailing.subscription"].sudo().with_context(
                crm_campaign_skip_consent_log=True
            ).create({
                "contact_id": contact.id,
                "list_id": mailing_list.id,
                "opt_out": True,
            })
        consent = self._log(
            normalized, "requested", "web_form", mailing_list, ip_address=ip_address
        )
        consent.sudo().write({
            "token": secrets.token_urlsafe(32),
            "visitor_uuid": visitor_uuid or False,
            "note": name or False,
        })
        consent._send_confirmation_email()
        return consent

    def _get_confirmation_url(self):
        self.ensure_one()
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base_url}/crm_campaign/consent/confirm?token={self.sudo().token}"

    def _send_confirmation_email(self):
        for consent in self:
            url = consent._get_confirmation_url()
            body = Markup(
                "<p>%s</p><p><a href='%s'>%s</a></p>"
            ) % (
                self.env._(
                    "Please confirm that you want to receive the newsletter "
                    "%(list)s.",
                    list=consent.mailing_list_id.name,
                ),
                url,
                self.env._("Confirm my subscription"),
            )
            self.env["mail.mail"].sudo().create({
                "email_to": consent.email,
                "subject": self.env._(
                    "Confirm your subscription to %(list)s",
                    list=consent.mailing_list_id.name,
                ),
                "body_html": body,
                "auto_delete": True,
            })

    @api.model
    def _confirm_subscription(self, token, ip_address=None):
        """Confirm a double opt-in from its link.

        :return: the ``confirmed`` consent record, or an empty recordset when the
            token is unknown, already used or expired
        """
        if not token or len(token) > 128:
            return self.browse()
        request = self.sudo().search([
            ("token", "=", token),
            ("action", "=", "requested"),
            ("confirmed_at", "=", False),
        ], limit=1)
        valid_from = fields.Datetime.now() - timedelta(days=CONFIRMATION_VALID_DAYS)
        if not request or request.date < valid_from:
            return self.browse()
        request.confirmed_at = fields.Datetime.now()
        subscriptions = self.env["mailing.subscription"].sudo().search([
            ("contact_id.email_normalized", "=", request.email),
            ("list_id", "=", request.mailing_list_id.id),
        ])
        subscriptions.with_context(crm_campaign_skip_consent_log=True).write(
            {"opt_out": False}
        )
        partner = request._get_or_create_partner()
        events = self.env["crm.tracking.event"]
        events._record("form_submit", partner=partner, visitor_uuid=request.visitor_uuid)
        events._identify_visitor(request.visitor_uuid, partner)
        return self._log(
            request.email,
            "confirmed",
            "email_link",
            request.mailing_list_id,
            ip_address=ip_address,
        )

    def _get_or_create_partner(self):
        """Return the contact of a confirmed address, created when unknown so that
        the visitor's behaviour has someone to belong to."""
        self.ensure_one()
        partner = self._find_partner(self.email)
        if not partner:
            partner = self.env["res.partner"].sudo().create({
                "name": self.note or self.email,
                "email": self.email,
            })
        self.sudo().partner_id = partner
        return partner
