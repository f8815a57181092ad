import hashlib
import hmac

from odoo import api, fields, models

# Prefix mixed into the tracking signature so it cannot be reused elsewhere.
TRACKING_TOKEN_SCOPE = "crm_campaign.tracking"


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_segment_ids = fields.Many2many(
        "crm.segment",
        string="Segments",
        compute="_compute_crm_segment_ids",
        search="_search_crm_segment_ids",
    )
    crm_consent_ids = fields.One2many(
        "crm.consent", "partner_id", string="Consent history"
    )
    crm_nurture_participant_ids = fields.One2many(
        "crm.nurture.participant", "partner_id", string="Nurturing sequences"
    )

    # Placeholders for personalised mails, each with a fallback
    crm_first_name = fields.Char(
        string="First name (mail)",
        compute="_compute_crm_placeholders",
        help="First name of a person; empty for a company or an unnamed contact.",
    )
    crm_salutation = fields.Char(
        string="Salutation (mail)",
        compute="_compute_crm_placeholders",
        help="'Hello <first name>' or a neutral greeting when no name is known.",
    )
    crm_company_name = fields.Char(
        string="Company name (mail)",
        compute="_compute_crm_placeholders",
        help="Name of the contact's company; empty for a private person.",
    )
    crm_salesperson_name = fields.Char(
        string="Salesperson name (mail)",
        compute="_compute_crm_placeholders",
        help="Account manager or salesperson; our company's name when none is set.",
    )
    crm_salesperson_email = fields.Char(
        string="Salesperson email (mail)",
        compute="_compute_crm_placeholders",
        help="Email of the salesperson, or of our company when none is set.",
    )

    def _compute_crm_segment_ids(self):
        self.env["crm.segment"]._assign_segment_membership(self, "crm_segment_ids")

    @api.model
    def _search_crm_segment_ids(self, operator, value):
        return self.env["crm.segment"]._get_membership_search_domain(
            self._name, operator, value
        )

    def _compute_crm_placeholders(self):
        for partner in self:
            person = partner if not partner.is_company else self.browse()
            values = self.env["crm.segment"]._get_placeholder_values(
                person_name=person.name,
                company=partner.commercial_partner_id if partner.parent_id
                or partner.is_company else self.browse(),
                salesperson=partner._crm_get_salesperson(),
                lang=partner.lang,
            )
            partner.update(values)

    def _crm_get_salesperson(self):
        self.ensure_one()
        account_manager = self["crm_account_manager_id"] if (
            "crm_account_manager_id" in self._fields
        ) else self.env["res.users"]
        return (
            account_manager
            or self.user_id
            or self.commercial_partner_id.user_id
        )

    # ------------------------------------------------------------
    # Tracking identification
    # ------------------------------------------------------------

    def _crm_tracking_signature(self):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        message = f"{TRACKING_TOKEN_SCOPE}:{self.id}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]

    def _crm_tracking_token(self):
        """Return the signed token that identifies this contact to the tracking
        endpoint, to be placed in links of emails sent to the contact."""
        self.ensure_one()
        return f"{self.id}.{self._crm_tracking_signature()}"

    @api.model
    def _crm_partner_from_tracking_token(self, token):
        """Return the contact a tracking token was issued for, or an empty
        recordset when the token is malformed or its signature is wrong."""
        partner_id, _dot, signature = (token or "").partition(".")
        # isascii(): str.isdigit() accepts "²", which int() refuses.
        if (
            not (partner_id.isascii() and partner_id.isdigit())
            or len(partner_id) > 12
            or len(signature) != 32
        ):
            return self.browse()
        partner = self.sudo().browse(int(partner_id)).exists()
        if not partner or not hmac.compare_digest(
            partner._crm_tracking_signature(), signature
        ):
            return self.browse()
        return partner
