import codecs
import logging

from odoo import api, models

_logger = logging.getLogger(__name__)

TICKET_MODEL = "crm.helpdesk.ticket"

# Precedence values set by mailing lists and autoresponders (RFC 3834 and
# common practice); "Auto-Submitted: no" is the only value of a human mail.
AUTOMATIC_PRECEDENCES = {"bulk", "auto_reply", "junk", "list"}
# Charset of a text part whose declared charset Python does not know, when its
# bytes are not valid UTF-8: windows-1252 maps nearly every byte, so the text
# stays readable for Western European senders.
FALLBACK_CHARSET = "windows-1252"


def _is_known_charset(charset):
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_parse(self, message, save_original=False):
        """Decode text parts in an unknown charset instead of failing.

        Odoo 18 decodes text parts with the charset they declare and raises
        LookupError for a name Python does not know, so the mail is never
        processed and its sender never hears back. Such parts are relabelled
        UTF-8 when their bytes are valid UTF-8, otherwise windows-1252.
        """
        for part in message.walk():
            charset = part.get_param("charset") if part.get_content_maintype() == "text" else None
            if not charset or _is_known_charset(str(charset)):
                continue
            payload = part.get_payload(decode=True) or b""
            try:
                payload.decode("utf-8")
                fallback = "utf-8"
            except UnicodeDecodeError:
                fallback = FALLBACK_CHARSET
            part.set_param("charset", fallback)
            _logger.info(
                "Mail with Message-Id %s: unknown charset %r decoded as %s",
                message.get("Message-Id"),
                str(charset)[:64],
                fallback,
            )
        return super().message_parse(message, save_original=save_original)

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        """Thread a reply without mail headers onto the ticket named in its subject.

        Odoo routes a reply by its In-Reply-To and References headers. When a mail
        client drops them, the reply would reach the team alias and open a new
        ticket; a ticket number in the subject sends it to that ticket instead.
        """
        routes = super().message_route(
            message, message_dict, model=model, thread_id=thread_id, custom_values=custom_values
        )
        if not any(route[0] == TICKET_MODEL and not route[1] for route in routes):
            return routes
        ticket = self.env[TICKET_MODEL]._find_by_subject_reference(
            message_dict.get("subject"), message_dict.get("email_from")
        )
        if not ticket:
            return routes
        _logger.info(
            "Mail with Message-Id %s threaded onto ticket %s by the subject reference",
            message_dict.get("message_id"),
            ticket.number,
        )
        rerouted = []
        for route in routes:
            if route[0] == TICKET_MODEL and not route[1]:
                route = (TICKET_MODEL, ticket.id, {}, route[3], route[4])
                if route in rerouted:
                    continue
            rerouted.append(route)
        return rerouted

    def _message_route_process(self, message, message_dict, routes):
        if self._is_auto_submitted(message):
            self = self.with_context(crm_helpdesk_auto_submitted=True)
        return super()._message_route_process(message, message_dict, routes)

    @api.model
    def _is_auto_submitted(self, message):
        """Return whether ``message`` was sent by a program, not by a person.

        Acknowledging such a mail could start a loop between two autoresponders.
        """
        auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
        precedence = (message.get("Precedence") or "").strip().lower()
        return (
            auto_submitted != "no"
            or precedence in AUTOMATIC_PRECEDENCES
            or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        )
