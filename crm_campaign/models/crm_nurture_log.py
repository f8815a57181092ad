from odoo import fields, models


class CrmNurtureLog(models.Model):
    _name = "crm.nurture.log"
    _description = "Executed nurturing step"
    _order = "executed_at desc, id desc"

    participant_id = fields.Many2one(
        "crm.nurture.participant", required=True, ondelete="cascade", index=True
    )
    step_id = fields.Many2one(
        "crm.nurture.step", required=True, ondelete="cascade", index=True
    )
    sequence_id = fields.Many2one(related="participant_id.sequence_id", store=True)
    executed_at = fields.Datetime(required=True, default=fields.Datetime.now)
    result = fields.Char(help="Outcome of the step, for example the branch taken.")

    _sql_constraints = [
        (
            "participant_step_unique",
            "UNIQUE(participant_id, step_id)",
            "A participant executes each step of a sequence only once.",
        ),
    ]
