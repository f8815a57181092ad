from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

ACTIVITY_TYPE_XMLIDS = {
    "call": "mail.mail_activity_data_call",
    "meeting": "mail.mail_activity_data_meeting",
}


class CrmLogInteraction(models.TransientModel):
    """Log a call or meeting that already happened, in the chatter of a customer or lead."""

    _name = "crm.log.interaction"
    _description = "Log a Call or Meeting"

    res_model = fields.Selection(
        selection=[("res.partner", "Contact"), ("crm.lead", "Lead")],
        string="Document Model",
        required=True,
    )
    res_id = fields.Integer(string="Document ID", required=True)
    interaction_type = fields.Selection(
        selection=[("call", "Call"), ("meeting", "Meeting")],
        string="Type",
        required=True,
        default="call",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    summary = fields.Char(compute="_compute_summary", store=True, readonly=False, required=True)
    note = fields.Html()

    @api.depends("interaction_type")
    def _compute_summary(self):
        labels = dict(self._fields["interaction_type"]._description_selection(self.env))
        for wizard in self:
            wizard.summary = wizard.summary or labels.get(wizard.interaction_type)

    def action_log(self):
        """Post the call or meeting as a done activity message, which updates "last contact"."""
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(
                self.env._(
                    "The record %(model)s #%(id)s no longer exists; the %(type)s was not logged.",
                    model=self.res_model,
                    id=self.res_id,
                    type=self.interaction_type,
                )
            )
        activity_type = self.env.ref(ACTIVITY_TYPE_XMLIDS[self.interaction_type])
        record.message_post(
            body=self.note or Markup("<p>%s</p>") % escape(self.summary),
            subject=self.summary,
            message_type="comment",
            subtype_xmlid="mail.mt_activities",
            mail_activity_type_id=activity_type.id,
            date=self.date,
        )
        return {"type": "ir.actions.act_window_close"}
