from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

QUARTERS = [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")]


class CrmForecastTarget(models.Model):
    _name = "crm.forecast.target"
    _description = "Sales Target per Quarter"
    _order = "year desc, quarter desc, team_id, user_id"

    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        index=True,
        domain="[('share', '=', False)]",
        help="Leave empty for a target of the whole sales team.",
    )
    team_id = fields.Many2one(
        comodel_name="crm.team",
        string="Sales Team",
        index=True,
    )
    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year,
    )
    quarter = fields.Selection(
        selection=QUARTERS,
        required=True,
        default=lambda self: str((fields.Date.context_today(self).month - 1) // 3 + 1),
    )
    date_start = fields.Date(
        string="Quarter Start",
        compute="_compute_dates",
        store=True,
        index=True,
    )
    date_end = fields.Date(
        string="Quarter End",
        compute="_compute_dates",
        store=True,
    )
    amount = fields.Monetary(
        string="Target",
        required=True,
        currency_field="currency_id",
        help="Revenue to win in the quarter, in the company currency.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        related="company_id.currency_id",
        string="Currency",
    )

    _sql_constraints = [
        (
            "target_period_uniq",
            "unique(company_id, user_id, team_id, year, quarter)",
            "A target for this salesperson or team and quarter already exists.",
        ),
        ("amount_positive", "CHECK(amount >= 0)", "A target cannot be negative."),
    ]

    @api.depends("year", "quarter")
    def _compute_dates(self):
        for target in self:
            if target.year and target.quarter:
                first_month = (int(target.quarter) - 1) * 3 + 1
                target.date_start = date(target.year, first_month, 1)
                target.date_end = target.date_start + relativedelta(months=3, days=-1)
            else:
                target.date_start = target.date_end = False

    @api.depends("user_id", "team_id", "year", "quarter")
    def _compute_display_name(self):
        for target in self:
            owner = target.user_id.name or target.team_id.name or ""
            target.display_name = f"{owner} {target.year} Q{target.quarter}"

    @api.constrains("user_id", "team_id")
    def _check_owner(self):
        for target in self:
            if not target.user_id and not target.team_id:
                raise ValidationError(
                    self.env._(
                        "The target of %(year)s Q%(quarter)s needs a salesperson "
                        "or a sales team.",
                        year=target.year,
                        quarter=target.quarter,
                    )
                )

    @api.constrains("year")
    def _check_year(self):
        for target in self:
            if not 1900 <= target.year <= 9999:
                raise ValidationError(
                    self.env._(
                        "The year %(year)s of a sales target is invalid: use a "
                        "four-digit year.",
                        year=target.year,
                    )
                )
