from odoo import api, fields, models

SECONDS_PER_DAY = 86400.0


class CrmLeadStageHistory(models.Model):
    _name = "crm.lead.stage.history"
    _description = "Opportunity Stage History"
    _order = "lead_id, date_entered, id"
    _rec_name = "stage_id"

    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        string="Opportunity",
        required=True,
        ondelete="cascade",
        index=True,
    )
    stage_id = fields.Many2one(
        comodel_name="crm.stage",
        required=True,
        ondelete="restrict",
        index=True,
    )
    date_entered = fields.Datetime(
        string="Entered On",
        required=True,
        index=True,
        help="When the opportunity entered the stage.",
    )
    date_left = fields.Datetime(
        string="Left On",
        index=True,
        help="When the opportunity left the stage, was lost or was archived. "
        "Empty while it is still in the stage.",
    )
    duration_days = fields.Float(
        string="Days in Stage",
        compute="_compute_duration_days",
        store=True,
        aggregator="avg",
        digits=(16, 2),
        help="Days between entering and leaving the stage; 0 while the "
        "opportunity is still in the stage.",
    )
    is_current = fields.Boolean(
        string="Current",
        compute="_compute_duration_days",
        store=True,
        help="The opportunity is still in this stage.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        index=True,
        help="Salesperson of the opportunity when it entered the stage.",
    )
    team_id = fields.Many2one(
        comodel_name="crm.team",
        string="Sales Team",
        index=True,
        help="Sales team of the opportunity when it entered the stage.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        related="lead_id.company_id",
        store=True,
        index=True,
    )
    origin = fields.Selection(
        selection=[
            ("tracked", "Tracked"),
            ("backfill", "Rebuilt from Dates"),
        ],
        required=True,
        default="tracked",
        help="Tracked: written when the stage changed. Rebuilt from Dates: "
        "reconstructed from the assignment and closing dates of an opportunity "
        "created without history (for example an imported one).",
    )

    @api.depends("date_entered", "date_left")
    def _compute_duration_days(self):
        for entry in self:
            entry.is_current = not entry.date_left
            if entry.date_left and entry.date_entered:
                delta = entry.date_left - entry.date_entered
                entry.duration_days = max(delta.total_seconds(), 0.0) / SECONDS_PER_DAY
            else:
                entry.duration_days = 0.0
