import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

TRACKED_EVENT_TYPES = [
    ("website_visit", "Website visit"),
    ("download", "Download"),
    ("form_submit", "Form submitted"),
]
# Maximum length of the page address and visitor id that the tracking endpoint stores.
MAX_URL_LENGTH = 2048
MAX_VISITOR_LENGTH = 64


class CrmTrackingEvent(models.Model):
    _name = "crm.tracking.event"
    _description = "Tracked website behaviour"
    _order = "occurred_at desc, id desc"

    event_type = fields.Selection(TRACKED_EVENT_TYPES, required=True, index=True)
    occurred_at = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True
    )
    url = fields.Char(string="Address", size=MAX_URL_LENGTH)
    visitor_uuid = fields.Char(
        string="Visitor",
        index="btree_not_null",
        help="Anonymous browser id, used to attach earlier visits once the visitor "
        "becomes known.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index="btree_not_null", ondelete="cascade"
    )
    lead_id = fields.Many2one("crm.lead", index="btree_not_null", ondelete="set null")
    company_id = fields.Many2one(
        "res.company", related="partner_id.company_id", store=True, index=True
    )

    @api.model
    def _record(self, event_type, url=None, partner=None, lead=None, visitor_uuid=None):
        """Store one behaviour event and forward it to CRM Core's lead scoring.

        :param str event_type: one of TRACKED_EVENT_TYPES
        :param str url: page or document address
        :param partner: res.partner record or None for an unknown visitor
        :param lead: crm.lead record or None
        :param str visitor_uuid: anonymous browser id
        """
        event = self.sudo().create({
            "event_type": event_type,
            "url": (url or "")[:MAX_URL_LENGTH] or False,
            "partner_id": partner.id if partner else False,
            "lead_id": lead.id if lead else False,
            "visitor_uuid": (visitor_uuid or "")[:MAX_VISITOR_LENGTH] or False,
        })
        if partner or lead:
            event._forward_to_scoring()
        return event

    def _forward_to_scoring(self):
        if "crm.score.event" not in self.env:
            return
        # _record_event stores the event with superuser rights itself.
        score_events = self.env["crm.score.event"]
        for event in self:
            score_events._record_event(
                event.event_type,
                partner=event.partner_id or None,
                lead=event.lead_id or None,
                occurred_at=event.occurred_at,
                source_ref=f"{self._name},{event.id}",
            )

    @api.model
    def _identify_visitor(self, visitor_uuid, partner):
        """Attach the earlier anonymous events of a browser to a known contact.

        :return: the events that became known
        """
        if not visitor_uuid or not partner:
            return self.browse()
        events = self.sudo().search([
            ("visitor_uuid", "=", visitor_uuid),
            ("partner_id", "=", False),
        ])
        if events:
            events.write({"partner_id": partner.id})
            events._forward_to_scoring()
            _logger.info(
                "Attached %s anonymous tracking events to contact %s",
                len(events), partner.id,
            )
        return events
