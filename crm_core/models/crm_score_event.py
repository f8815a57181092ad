import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

EVENT_TYPE_SELECTION = [
    ("email_open", "Email opened"),
    ("email_click", "Email link clicked"),
    ("website_visit", "Website visit"),
    ("download", "Download"),
    ("form_submit", "Form submitted"),
    ("reply", "Reply received"),
]


class CrmScoreEvent(models.Model):
    """Behaviour of a customer that scoring rules turn into points."""

    _name = "crm.score.event"
    _description = "Lead Scoring Event"
    _order = "occurred_at desc, id desc"

    event_type = fields.Selection(
        selection=EVENT_TYPE_SELECTION, required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Contact", ondelete="cascade", readonly=True
    )
    commercial_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        compute="_compute_commercial_partner_id",
        store=True,
        index=True,
        help="Company of the contact; events of a customer count for all its leads.",
    )
    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
    )
    occurred_at = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True, readonly=True
    )
    source_ref = fields.Char(
        string="Source",
        readonly=True,
        help="Reference of what caused the event, e.g. a mailing or a page URL.",
    )
    value = fields.Float(
        readonly=True, help="Optional measure given by the source, e.g. seconds on page."
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        compute="_compute_company_id",
        store=True,
        index="btree_not_null",
    )

    @api.depends("partner_id.commercial_partner_id", "lead_id.partner_id.commercial_partner_id")
    def _compute_commercial_partner_id(self):
        for event in self:
            partner = event.partner_id or event.lead_id.partner_id
            event.commercial_partner_id = partner.commercial_partner_id

    @api.depends("lead_id.company_id", "partner_id.company_id")
    def _compute_company_id(self):
        for event in self:
            event.company_id = event.lead_id.company_id or event.partner_id.company_id

    @api.model
    def _record_event(
        self, event_type, partner=None, lead=None, occurred_at=None, source_ref=None, value=None
    ):
        """Record a behaviour event and rescore the lead or partner it concerns.

        Other modules and controllers call this API, e.g. when a mailing is opened
        or a web form is submitted.

        :param str event_type: one of the ``event_type`` selection values
        :param res.partner partner: contact who acted (record or id), optional if ``lead``
        :param crm.lead lead: lead concerned (record or id), optional if ``partner``
        :param datetime occurred_at: when it happened, defaults to now
        :param str source_ref: free reference of the source
        :param float value: optional measure
        :return: the new crm.score.event record
        :raise ValidationError: unknown event type, or neither partner nor lead
        """
        valid_types = dict(self._fields["event_type"]._description_selection(self.env))
        if event_type not in valid_types:
            raise ValidationError(
                self.env._(
                    "Invalid scoring event type %(value)r. Use one of: %(types)s.",
                    value=event_type,
                    types=", ".join(sorted(valid_types)),
                )
            )
        partner = self.env["res.partner"].browse(partner) if isinstance(partner, int) else partner
        lead = self.env["crm.lead"].browse(lead) if isinstance(lead, int) else lead
        if not partner and not lead:
            raise ValidationError(
                self.env._(
                    "A scoring event of type %(type)s needs a contact or a lead.",
                    type=valid_types[event_type],
                )
            )
        event = self.sudo().create(
            {
                "event_type": event_type,
                "partner_id": partner.id if partner else False,
                "lead_id": lead.id if lead else False,
                "occurred_at": occurred_at or fields.Datetime.now(),
                "source_ref": source_ref,
                "value": value or 0.0,
            }
        )
        event._crm_rescore_concerned_records()
        return event.with_env(self.env)

    def _crm_rescore_concerned_records(self):
        """Rescore the leads and partners whose score these events change."""
        partners = self.commercial_partner_id
        leads = self.lead_id
        if partners:
            leads |= (
                self.env["crm.lead"]
                .sudo()
                .search(
                    [
                        ("partner_id.commercial_partner_id", "in", partners.ids),
                        ("active", "=", True),
                    ]
                )
            )
            partners |= self.partner_id
        rules = self.env["crm.score.rule"].sudo()
        if leads:
            rules._crm_score_records(leads.sudo())
        if partners:
            rules._crm_score_records(partners.sudo())
