from odoo import api, fields, models

GRADE_SELECTION = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]

# Default minimum scores of grades A, B and C; anything lower is D. Admins change
# them in the CRM settings (system parameters crm_core.grade_a_min and so on).
DEFAULT_GRADE_THRESHOLDS = {"A": 75, "B": 50, "C": 25}


class CrmScoreMixin(models.AbstractModel):
    """Score, grade and readable breakdown stored on scored records (leads, partners)."""

    _name = "crm.score.mixin"
    _description = "Lead Scoring Fields"

    crm_score = fields.Integer(
        string="Score",
        readonly=True,
        copy=False,
        help="Sum of the points of the scoring rules that match, after decay.",
        groups="base.group_user",
    )
    crm_grade = fields.Selection(
        selection=GRADE_SELECTION,
        string="Grade",
        readonly=True,
        copy=False,
        help="A to D from the score; the thresholds are set in the CRM settings.",
        groups="base.group_user",
    )
    crm_score_breakdown = fields.Text(
        string="Score Breakdown",
        readonly=True,
        copy=False,
        help="One line per scoring rule that gave points.",
        groups="base.group_user",
    )
    crm_score_date = fields.Datetime(
        string="Score Changed On",
        readonly=True,
        copy=False,
        help="Last time the score, grade or breakdown changed.",
        groups="base.group_user",
    )

    @api.model
    def _crm_grade_thresholds(self):
        """Return {grade: minimum score} for grades A, B and C from the system parameters."""
        params = self.env["ir.config_parameter"].sudo()
        thresholds = {}
        for grade, default in DEFAULT_GRADE_THRESHOLDS.items():
            value = params.get_param(f"crm_core.grade_{grade.lower()}_min", default)
            try:
                thresholds[grade] = int(value)
            except (TypeError, ValueError):
                thresholds[grade] = default
        return thresholds

    @api.model
    def _crm_grade_for_score(self, score, thresholds=None):
        """Return the grade letter of ``score``."""
        thresholds = thresholds or self._crm_grade_thresholds()
        for grade in ("A", "B", "C"):
            if score >= thresholds[grade]:
                return grade
        return "D"

    def action_crm_compute_score(self):
        """Recompute the score of the selected records now."""
        self.env["crm.score.rule"]._crm_score_records(self)
        return True
