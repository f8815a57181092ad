import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.crm_lead import FORECAST_CATEGORIES


class CrmForecastReport(models.Model):
    """Forecast rows: one per open or won opportunity and one per target.

    Amounts are converted to the currency of the current company at the
    closing date (won deals) or at today's rate (open deals and targets).
    The forecast date of a won deal is its closing date in the user's time
    zone, so a deal closed on 31 March at 23:30 in Auckland counts in Q1
    there. Target rows carry the targets, and the ``gap`` measure is target
    minus won revenue, so its sum in any group is the remaining gap.
    """

    _name = "crm.forecast.report"
    _description = "Sales Forecast Analysis"
    _auto = False
    _order = "date desc, id"
    _rec_name = "lead_id"
    _depends = {
        "crm.lead": [
            "active", "type", "stage_id", "user_id", "team_id", "company_id",
            "partner_id", "probability", "expected_revenue", "date_deadline",
            "date_closed", "crm_forecast_category", "recurring_revenue_monthly",
        ],
        "crm.stage": ["is_won"],
        "crm.forecast.target": ["user_id", "team_id", "company_id", "date_start", "amount"],
        "res.company": ["currency_id"],
        "res.currency.rate": ["currency_id", "company_id", "name", "rate"],
    }

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    row_type = fields.Selection(
        selection=[("deal", "Deal"), ("target", "Target")],
        readonly=True,
    )
    forecast_category = fields.Selection(
        selection=[*FORECAST_CATEGORIES, ("won", "Won")],
        readonly=True,
    )
    date = fields.Date(
        string="Forecast Date",
        readonly=True,
        help="Closing date of won deals (in your time zone), expected closing "
        "date of open deals, first day of the quarter for targets.",
    )
    probability = fields.Float(readonly=True, aggregator="avg")
    currency_id = fields.Many2one("res.currency", readonly=True)
    expected_revenue = fields.Monetary(readonly=True)
    weighted_revenue = fields.Monetary(
        string="Weighted Pipeline",
        readonly=True,
        help="Expected revenue × probability of the open deals.",
    )
    commit_revenue = fields.Monetary(string="Commit", readonly=True)
    best_case_revenue = fields.Monetary(
        string="Best Case",
        readonly=True,
        help="Expected revenue of the open deals in Commit or Best Case.",
    )
    won_revenue = fields.Monetary(string="Won", readonly=True)
    recurring_revenue_monthly = fields.Monetary(
        string="Expected MRR",
        readonly=True,
        help="Monthly recurring revenue of the open and won deals.",
    )
    weighted_recurring_revenue_monthly = fields.Monetary(
        string="Weighted MRR",
        readonly=True,
        help="Monthly recurring revenue × probability of the open deals.",
    )
    won_recurring_revenue_monthly = fields.Monetary(string="Won MRR", readonly=True)
    target_amount = fields.Monetary(
        string="Salesperson Target",
        readonly=True,
    )
    team_target_amount = fields.Monetary(string="Team Target", readonly=True)
    gap = fields.Monetary(
        string="Gap to Target",
        readonly=True,
        help="Salesperson targets minus won revenue.",
    )
    team_gap = fields.Monetary(
        string="Gap to Team Target",
        readonly=True,
        help="Team targets minus won revenue.",
    )
    deal_count = fields.Integer(string="Deals", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            "(%s %s %s) UNION ALL (%s)",
            self._select(),
            self._from(),
            self._where(),
            self._select_targets(),
        )

    # ------------------------------------------------------------
    # Query parts
    # ------------------------------------------------------------

    def _get_report_timezone(self):
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _sql_rate(self, currency_sql, date_sql):
        """Return the SQL rate of ``currency_sql`` at ``date_sql`` in the
        current company's rate table (latest rate on or before the date, else
        the oldest rate, else 1), like ``res.currency._get_rates``."""
        root_company = self.env.company.root_id.id
        return SQL(
            """COALESCE(
                (SELECT r.rate FROM res_currency_rate r
                  WHERE r.currency_id = %(currency)s
                    AND (r.company_id = %(company)s OR r.company_id IS NULL)
                    AND r.name <= %(date)s
                  ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1),
                (SELECT r.rate FROM res_currency_rate r
                  WHERE r.currency_id = %(currency)s
                    AND (r.company_id = %(company)s OR r.company_id IS NULL)
                  ORDER BY r.company_id NULLS LAST, r.name ASC LIMIT 1),
                1.0)""",
            currency=currency_sql,
            company=root_company,
            date=date_sql,
        )

    def _sql_conversion_factor(self, currency_sql, date_sql):
        """Return the SQL factor converting ``currency_sql`` amounts into the
        current company currency at ``date_sql``."""
        target_currency = self.env.company.currency_id.id
        return SQL(
            "CASE WHEN %(currency)s = %(target)s THEN 1.0 ELSE %(to_rate)s / %(from_rate)s END",
            currency=currency_sql,
            target=target_currency,
            to_rate=self._sql_rate(SQL("%s", target_currency), date_sql),
            from_rate=self._sql_rate(currency_sql, date_sql),
        )

    def _select(self):
        tz = self._get_report_timezone()
        is_won = SQL("stage.is_won IS TRUE")
        is_open = SQL("stage.is_won IS NOT TRUE")
        closed_local = SQL(
            "(lead.date_closed AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", tz
        )
        return SQL(
            """
            SELECT
                lead.id * 2 AS id,
                lead.id AS lead_id,
                lead.user_id,
                lead.team_id,
                lead.company_id,
                lead.stage_id,
                lead.partner_id,
                'deal' AS row_type,
                CASE WHEN %(is_won)s THEN 'won' ELSE lead.crm_forecast_category END
                    AS forecast_category,
                CASE WHEN %(is_won)s THEN %(closed_local)s ELSE lead.date_deadline END
                    AS date,
                lead.probability,
                %(currency)s AS currency_id,
                lead.expected_revenue * rate.factor AS expected_revenue,
                CASE WHEN %(is_open)s
                    THEN lead.expected_revenue * lead.probability / 100.0 * rate.factor
                    ELSE 0 END AS weighted_revenue,
                CASE WHEN %(is_open)s AND lead.crm_forecast_category = 'commit'
                    THEN lead.expected_revenue * rate.factor ELSE 0 END AS commit_revenue,
                CASE WHEN %(is_open)s AND lead.crm_forecast_category IN ('commit', 'best_case')
                    THEN lead.expected_revenue * rate.factor ELSE 0 END AS best_case_revenue,
                CASE WHEN %(is_won)s THEN lead.expected_revenue * rate.factor ELSE 0 END
                    AS won_revenue,
                COALESCE(lead.recurring_revenue_monthly, 0) * rate.factor
                    AS recurring_revenue_monthly,
                CASE WHEN %(is_open)s
                    THEN COALESCE(lead.recurring_revenue_monthly, 0)
                         * lead.probability / 100.0 * rate.factor
                    ELSE 0 END AS weighted_recurring_revenue_monthly,
                CASE WHEN %(is_won)s
                    THEN COALESCE(lead.recurring_revenue_monthly, 0) * rate.factor
                    ELSE 0 END AS won_recurring_revenue_monthly,
                0.0 AS target_amount,
                0.0 AS team_target_amount,
                CASE WHEN %(is_won)s THEN -lead.expected_revenue * rate.factor ELSE 0 END
                    AS gap,
                CASE WHEN %(is_won)s THEN -lead.expected_revenue * rate.factor ELSE 0 END
                    AS team_gap,
                1 AS deal_count
            """,
            is_won=is_won,
            is_open=is_open,
            closed_local=closed_local,
            currency=self.env.company.currency_id.id,
        )

    def _from(self):
        rate_date = SQL(
            "LEAST(COALESCE(lead.date_closed::date, CURRENT_DATE), CURRENT_DATE)"
        )
        lead_currency = SQL("COALESCE(company.currency_id, %s)", self.env.company.currency_id.id)
        return SQL(
            """
            FROM crm_lead lead
            JOIN crm_stage stage ON stage.id = lead.stage_id
            LEFT JOIN res_company company ON company.id = lead.company_id
            CROSS JOIN LATERAL (SELECT %(factor)s AS factor OFFSET 0) rate
            """,
            factor=self._sql_conversion_factor(lead_currency, rate_date),
        )

    def _where(self):
        return SQL(
            """
            WHERE lead.active
              AND lead.type = 'opportunity'
            """
        )

    def _select_targets(self):
        factor = self._sql_conversion_factor(SQL("company.currency_id"), SQL("CURRENT_DATE"))
        return SQL(
            """
            SELECT
                target.id * 2 + 1 AS id,
                NULL::integer AS lead_id,
                target.user_id,
                target.team_id,
                target.company_id,
                NULL::integer AS stage_id,
                NULL::integer AS partner_id,
                'target' AS row_type,
                NULL AS forecast_category,
                target.date_start AS date,
                0.0 AS probability,
                %(currency)s AS currency_id,
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                CASE WHEN target.user_id IS NOT NULL
                    THEN target.amount * rate.factor ELSE 0 END AS target_amount,
                CASE WHEN target.user_id IS NULL
                    THEN target.amount * rate.factor ELSE 0 END AS team_target_amount,
                CASE WHEN target.user_id IS NOT NULL
                    THEN target.amount * rate.factor ELSE 0 END AS gap,
                CASE WHEN target.user_id IS NULL
                    THEN target.amount * rate.factor ELSE 0 END AS team_gap,
                0 AS deal_count
            FROM crm_forecast_target target
            JOIN res_company company ON company.id = target.company_id
            CROSS JOIN LATERAL (SELECT %(factor)s AS factor OFFSET 0) rate
            """,
            currency=self.env.company.currency_id.id,
            factor=factor,
        )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    # The report is an SQL view: super().write() would update a table that
    # does not exist, so the change goes to the opportunities instead.
    def write(self, vals):  # pylint: disable=method-required-super
        """Forward a change of forecast category to the opportunities, so
        that a manager can move deals from the forecast list."""
        if set(vals) - {"forecast_category"}:
            raise UserError(
                self.env._("Only the forecast category can be changed from the forecast.")
            )
        category = vals.get("forecast_category")
        if category not in dict(FORECAST_CATEGORIES):
            raise UserError(
                self.env._(
                    "The forecast category “%(category)s” cannot be set by hand: "
                    "choose Commit, Best Case or Pipeline.",
                    category=category,
                )
            )
        deals = self.filtered(lambda row: row.row_type == "deal" and row.forecast_category != "won")
        deals.lead_id.write({"crm_forecast_category": category})
        self.invalidate_model()
        return True

    def action_open_opportunity(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    @api.model
    def _get_forecast_totals(self, domain=None, groupby=("date:quarter",)):
        """Return the forecast measures grouped by ``groupby`` as a list of
        dicts (used by the PDF report and the dashboard)."""
        measures = [
            "expected_revenue:sum",
            "weighted_revenue:sum",
            "commit_revenue:sum",
            "best_case_revenue:sum",
            "won_revenue:sum",
            "target_amount:sum",
            "team_target_amount:sum",
            "gap:sum",
            "team_gap:sum",
            "deal_count:sum",
        ]
        rows = self._read_group(domain or [], list(groupby), measures)
        result = []
        for row in rows:
            keys, values = row[: len(groupby)], row[len(groupby) :]
            entry = dict(zip(groupby, keys, strict=True))
            entry.update(zip([m.split(":")[0] for m in measures], values, strict=True))
            result.append(entry)
        return result

    def _get_pdf_lines(self):
        """Return the lines of the forecast PDF for the rows in ``self``: one
        line per quarter and salesperson, then one total line per quarter."""
        rows = self._get_forecast_totals(
            [("id", "in", self.ids)], groupby=("date:quarter", "user_id")
        )
        measures = ["deal_count", "weighted_revenue", "commit_revenue",
                    "best_case_revenue", "won_revenue", "target_amount", "gap"]
        lines = []
        by_quarter = {}
        for row in rows:
            start = row["date:quarter"]
            by_quarter.setdefault(start, []).append(row)
        for start in sorted(by_quarter, key=lambda value: (value is False, value or 0)):
            label = (
                f"Q{(start.month - 1) // 3 + 1} {start.year}" if start else self.env._("No date")
            )
            quarter_rows = by_quarter[start]
            for row in quarter_rows:
                lines.append({
                    "quarter": label,
                    "salesperson": row["user_id"].name or self.env._("Unassigned"),
                    "is_total": False,
                    **{name: row[name] or 0 for name in measures},
                })
            lines.append({
                "quarter": label,
                "salesperson": self.env._("Total"),
                "is_total": True,
                **{name: sum(row[name] or 0 for row in quarter_rows) for name in measures},
            })
        return lines
