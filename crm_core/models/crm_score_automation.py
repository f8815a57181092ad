import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class CrmScoreAutomation(models.Model):
    """Action run once when a lead's score rises to or above a threshold."""

    _name = "crm.score.automation"
    _description = "Lead Score Automation"
    _order = "score_threshold desc, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(comodel_name="res.company", index=True)
    score_threshold = fields.Integer(
        required=True,
        default=75,
        help="Runs when a lead's score goes from below this value to this value or above.",
    )
    action = fields.Selection(
        selection=[
            ("assign", "Assign to salesperson"),
            ("notify", "Notify salesperson"),
            ("activity", "Schedule activity"),
        ],
        required=True,
        default="notify",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        help="Salesperson assigned, notified or given the activity. Empty means the "
        "lead's own salesperson (required for assignment).",
    )
    activity_type_id = fields.Many2one(comodel_name="mail.activity.type")
    note = fields.Char(help="Text of the notification or summary of the activity.")

    @api.constrains("action", "user_id", "activity_type_id")
    def _check_action(self):
        for automation in self:
            if automation.action == "assign" and not automation.user_id:
                raise ValidationError(
                    self.env._(
                        "Score automation %(name)s: choose the salesperson to assign.",
                        name=automation.name,
                    )
                )
            if automation.action == "activity" and not automation.activity_type_id:
                raise ValidationError(
                    self.env._(
                        "Score automation %(name)s: choose the activity type to schedule.",
                        name=automation.name,
                    )
                )

    def _crm_run_for_changes(self, leads, changes):
        """Run the automations whose threshold the leads crossed upwards.

        :param crm.lead leads: scored leads
        :param dict changes: {lead_id: (old_score, new_score)}
        """
        automations = self.search(
            [
                ("company_id", "in", [False] + leads.env.companies.ids),
            ]
        )
        for automation in automations:
            threshold = automation.score_threshold
            crossed = leads.browse(
                lead_id for lead_id, (old, new) in changes.items() if old < threshold <= new
            )
            if automation.company_id:
                company = automation.company_id
                # Leads without a company are shared, so company automations apply too.
                crossed = crossed.filtered(
                    lambda lead, company=company: not lead.company_id or lead.company_id == company
                )
            for lead in crossed:
                try:
                    with self.env.cr.savepoint():
                        automation._crm_run_on_lead(lead, changes[lead.id][1])
                except Exception:
                    # A failing automation must not stop scoring; the lead keeps its score.
                    _logger.exception(
                        "Score automation %s failed on lead %s", automation.id, lead.id
                    )

    def _crm_run_on_lead(self, lead, score):
        self.ensure_one()
        user = self.user_id or lead.user_id
        message = self.note or self.env._(
            "Score %(score)s reached the threshold %(threshold)s of %(automation)s.",
            score=score,
            threshold=self.score_threshold,
            automation=self.name,
        )
        if self.action == "assign":
            lead.write({"user_id": user.id})
            lead.message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")
        elif self.action == "notify":
            lead.message_post(
                body=message,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=user.partner_id.ids,
            )
        elif self.action == "activity":
            lead.activity_schedule(
                activity_type_id=self.activity_type_id.id,
                summary=message,
                user_id=(user or self.env.user).id,
            )
