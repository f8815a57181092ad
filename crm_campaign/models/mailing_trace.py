from odoo import models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def set_opened(self, domain=None):
        # The tracking pixel loads at every display: score the first opening only.
        candidates = self + (self.search(domain) if domain else self.browse())
        first_openings = candidates.filtered(lambda trace: not trace.open_datetime)
        traces = super().set_opened(domain=domain)
        first_openings._crm_record_score_events("email_open")
        return traces

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
        traces._crm_record_score_events("email_click")
        return traces

    def set_replied(self, domain=None):
        candidates = self + (self.search(domain) if domain else self.browse())
        first_replies = candidates.filtered(lambda trace: not trace.reply_datetime)
        traces = super().set_replied(domain=domain)
        first_replies._crm_record_score_events("reply")
        return traces

    def _crm_record_score_events(self, event_type):
        """Forward mail behaviour to CRM Core's lead scoring, when installed."""
        if "crm.score.event" not in self.env or not self:
            return
        # _record_event stores the event with superuser rights itself, and
        # exists() reads no field, so no sudo() is needed here.
        score_events = self.env["crm.score.event"]
        partners = self.env["res.partner"]
        leads = self.env["crm.lead"]
        for trace in self:
            partner = lead = None
            if trace.model == "res.partner":
                partner = partners.browse(trace.res_id).exists() or None
            elif trace.model == "crm.lead":
                lead = leads.browse(trace.res_id).exists() or None
            if partner or lead:
                score_events._record_event(
                    event_type,
                    partner=partner,
                    lead=lead,
                    source_ref=f"{self._name},{trace.id}",
                )
