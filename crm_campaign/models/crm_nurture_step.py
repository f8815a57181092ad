from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

STEP_TYPES = [
    ("wait", "Wait a number of days"),
    ("wait_until", "Wait until a date"),
    ("mail", "Send an email"),
    ("branch", "Branch on a condition"),
    ("activity", "Schedule an activity"),
    ("stage", "Move the lead to a stage"),
    ("tag", "Add tags"),
    ("exit", "Leave the sequence"),
]
BRANCH_CONDITIONS = [
    ("opened", "Opened the previous email"),
    ("clicked", "Clicked in the previous email"),
    ("replied", "Replied to the previous email"),
    ("score", "Score reached"),
]


class CrmNurtureStep(models.Model):
    _name = "crm.nurture.step"
    _description = "Nurturing step"
    _order = "sequence_id, sequence, id"

    sequence_id = fields.Many2one(
        "crm.nurture.sequence",
        string="Nurturing sequence",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    step_type = fields.Selection(STEP_TYPES, required=True, default="wait")
    target_model = fields.Selection(related="sequence_id.target_model")

    # Waits
    wait_days = fields.Integer(string="Days", default=1)
    wait_until = fields.Datetime(string="Until")

    # Email
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain="[('model', '=', target_model)]",
    )
    mailing_id = fields.Many2one(
        "mailing.mailing",
        readonly=True,
        copy=False,
        help="Mailing that sends this step, created at the first sending; its "
        "statistics show the opens and clicks.",
    )

    # Branch
    condition = fields.Selection(BRANCH_CONDITIONS, default="opened")
    condition_score = fields.Integer(string="Minimum score")
    yes_step_id = fields.Many2one(
        "crm.nurture.step",
        string="If yes, go to",
        domain="[('sequence_id', '=', sequence_id), ('id', '!=', id)]",
        help="Leave empty to continue with the next step.",
    )
    no_step_id = fields.Many2one(
        "crm.nurture.step",
        string="If no, go to",
        domain="[('sequence_id', '=', sequence_id), ('id', '!=', id)]",
        help="Leave empty to continue with the next step.",
    )

    # Activity, stage, tags
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity type")
    activity_summary = fields.Char(string="Summary")
    activity_days = fields.Integer(string="Due in days", default=1)
    stage_id = fields.Many2one("crm.stage")
    lead_tag_ids = fields.Many2many("crm.tag", string="Lead tags")
    partner_tag_ids = fields.Many2many("res.partner.category", string="Contact tags")

    log_count = fields.Integer(string="Executed", compute="_compute_log_count")

    @api.depends("step_type", "wait_days", "wait_until", "mail_template_id", "condition")
    def _compute_name(self):
        labels = dict(self._fields["step_type"]._description_selection(self.env))
        conditions = dict(self._fields["condition"]._description_selection(self.env))
        for step in self:
            if step.step_type == "wait":
                step.name = self.env._("Wait %(days)s days", days=step.wait_days)
            elif step.step_type == "mail" and step.mail_template_id:
                step.name = self.env._(
                    "Send %(template)s", template=step.mail_template_id.name
                )
            elif step.step_type == "branch":
                step.name = conditions.get(step.condition) or labels["branch"]
            else:
                step.name = labels.get(step.step_type, "")

    def _compute_log_count(self):
        counts = dict(self.env["crm.nurture.log"]._read_group(
            [("step_id", "in", self.ids)], ["step_id"], ["__count"]
        ))
        for step in self:
            step.log_count = counts.get(step, 0)

    @api.constrains(
        "step_type", "wait_days", "wait_until", "mail_template_id", "yes_step_id",
        "no_step_id", "stage_id", "activity_type_id",
    )
    def _check_step_settings(self):
        for step in self:
            error = step._get_settings_error()
            if error:
                raise ValidationError(self.env._(
                    "Sequence %(sequence)s, step %(step)s: %(error)s",
                    sequence=step.sequence_id.name,
                    step=step.name or step.step_type,
                    error=error,
                ))

    def _get_settings_error(self):
        self.ensure_one()
        if self.step_type == "wait" and self.wait_days < 0:
            return self.env._("the number of days must be 0 or more.")
        if self.step_type == "wait_until" and not self.wait_until:
            return self.env._("set the date to wait for.")
        if self.step_type == "mail":
            if not self.mail_template_id:
                return self.env._("choose the email template to send.")
            if self.mail_template_id.model != self.sequence_id.target_model:
                return self.env._(
                    "the template %(template)s is for %(model)s records.",
                    template=self.mail_template_id.name,
                    model=self.mail_template_id.model,
                )
        if self.step_type == "activity" and not self.activity_type_id:
            return self.env._("choose the activity type.")
        if self.step_type == "stage" and not self.stage_id:
            return self.env._("choose the stage.")
        for target in (self.yes_step_id, self.no_step_id):
            if target and target.sequence_id != self.sequence_id:
                return self.env._("a branch can only go to a step of the same sequence.")
        return None

    # ------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------

    def _get_next_step(self):
        """Return the step after this one in the sequence, or an empty record."""
        self.ensure_one()
        steps = self.sequence_id.step_ids
        position = list(steps).index(self)
        return steps[position + 1:position + 2]

    def _get_previous_mail_step(self):
        self.ensure_one()
        steps = list(self.sequence_id.step_ids)
        earlier = steps[:steps.index(self)]
        mail_steps = [step for step in earlier if step.step_type == "mail"]
        return mail_steps[-1] if mail_steps else self.browse()

    def _get_due_date(self, started_at):
        """Return when a wait step that started at ``started_at`` is over."""
        self.ensure_one()
        if self.step_type == "wait":
            return started_at + timedelta(days=self.wait_days)
        if self.step_type == "wait_until":
            return self.wait_until
        return started_at

    def _get_or_create_mailing(self):
        """Return the mailing of a mail step, created from its template."""
        self.ensure_one()
        if self.mailing_id:
            return self.mailing_id
        # Lock the step so that two workers reaching it together create one
        # mailing: the second waits here, then gets a serialization failure
        # and retries its batch, which finds the first one's mailing.
        self.flush_recordset(["mailing_id"])
        self.env.cr.execute(
            "SELECT mailing_id FROM crm_nurture_step WHERE id = %s FOR UPDATE",
            [self.id],
        )
        mailing_id = self.env.cr.fetchone()[0]
        if mailing_id:
            self.invalidate_recordset(["mailing_id"])
            return self.env["mailing.mailing"].browse(mailing_id)
        template = self.mail_template_id
        sequence = self.sequence_id
        mailing = self.env["mailing.mailing"].sudo().create({
            "subject": template.subject or self.name,
            "body_html": template.body_html,
            "body_arch": template.body_html,
            "mailing_type": "mail",
            "mailing_model_id": self.env["ir.model"]._get_id(sequence.target_model),
            "mailing_domain": "[]",
            "email_from": template.email_from or self.env.user.email_formatted
            or self.env.company.email_formatted,
            "campaign_id": sequence.campaign_id.id,
            "user_id": sequence.user_id.id or self.env.user.id,
            "crm_nurture_step_id": self.id,
            # A sequence's mailing is live from its creation on; marking it sent
            # now also spares concurrent senders a write on the same row.
            "state": "done",
            "sent_date": fields.Datetime.now(),
        })
        self.sudo().mailing_id = mailing
        return mailing
