from odoo import fields, models
from odoo.tools import SQL


class CrmPipelineAnalysis(models.Model):
    """One row per opportunity with its outcome, for the dashboards.

    Dates are calendar days in the user's time zone. ``win_rate`` is 100 for
    won deals, 0 for lost ones and empty for open ones, so its average over
    any group is the win rate of the closed deals of that group.
    ``cycle_days`` (won deals only) runs from the first entry of the stage
    history to the entry into the won stage. Amounts are in the currency of
    the current company, converted like in the forecast.
    """

    _name = "crm.pipeline.analysis"
    _description = "Pipeline Analysis"
    _auto = False
    _order = "date_closed desc, id desc"
    _rec_name = "lead_id"
    _depends = {
        "crm.lead": [
            "active", "type", "stage_id", "user_id", "team_id", "company_id",
            "partner_id", "probability", "expected_revenue", "date_closed",
            "lost_reason_id", "create_date",
        ],
        "crm.stage": ["is_won", "sequence"],
        "crm.lead.stage.history": ["lead_id", "stage_id", "date_entered"],
    }

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    state = fields.Selection(
        selection=[("open", "Open"), ("won", "Won"), ("lost", "Lost")],
        string="Outcome",
        readonly=True,
    )
    date_created = fields.Date(string="Created On", readonly=True)
    date_closed = fields.Date(string="Closed On", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    expected_revenue = fields.Monetary(readonly=True)
    pipeline_revenue = fields.Monetary(string="Open Pipeline", readonly=True)
    weighted_revenue = fields.Monetary(string="Weighted Pipeline", readonly=True)
    won_revenue = fields.Monetary(readonly=True)
    lost_revenue = fields.Monetary(readonly=True)
    win_rate = fields.Float(
        string="Win Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Won deals in % of the won and lost deals.",
    )
    cycle_days = fields.Float(
        string="Sales Cycle (Days)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Days from the first stage to the won stage, for won deals.",
    )
    deal_count = fields.Integer(string="Deals", readonly=True)
    won_count = fields.Integer(string="Won Deals", readonly=True)
    lost_count = fields.Integer(string="Lost Deals", readonly=True)
    open_count = fields.Integer(string="Open Deals", readonly=True)

    @property
    def _table_query(self):
        return SQL("%s %s %s", self._select(), self._from(), self._where())

    def _select(self):
        tz = self.env["crm.forecast.report"]._get_report_timezone()
        state = SQL(
            """CASE WHEN lead.active AND stage.is_won THEN 'won'
                    WHEN lead.active THEN 'open'
                    ELSE 'lost' END"""
        )
        return SQL(
            """
            SELECT
                lead.id,
                lead.id AS lead_id,
                lead.user_id,
                lead.team_id,
                lead.company_id,
                lead.stage_id,
                lead.partner_id,
                lead.lost_reason_id,
                %(state)s AS state,
                (lead.create_date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS date_created,
                (lead.date_closed AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS date_closed,
                %(currency)s AS currency_id,
                lead.expected_revenue * rate.factor AS expected_revenue,
                CASE WHEN %(state)s = 'open' THEN lead.expected_revenue * rate.factor ELSE 0 END
                    AS pipeline_revenue,
                CASE WHEN %(state)s = 'open'
                    THEN lead.expected_revenue * lead.probability / 100.0 * rate.factor
                    ELSE 0 END AS weighted_revenue,
                CASE WHEN %(state)s = 'won' THEN lead.expected_revenue * rate.factor ELSE 0 END
                    AS won_revenue,
                CASE WHEN %(state)s = 'lost' THEN lead.expected_revenue * rate.factor ELSE 0 END
                    AS lost_revenue,
                CASE %(state)s WHEN 'won' THEN 100.0 WHEN 'lost' THEN 0.0 END AS win_rate,
                CASE WHEN %(state)s = 'won'
                    THEN EXTRACT(EPOCH FROM (history.won_entered - history.first_entered)) / 86400.0
                    END AS cycle_days,
                1 AS deal_count,
                CASE WHEN %(state)s = 'won' THEN 1 ELSE 0 END AS won_count,
                CASE WHEN %(state)s = 'lost' THEN 1 ELSE 0 END AS lost_count,
                CASE WHEN %(state)s = 'open' THEN 1 ELSE 0 END AS open_count
            """,
            state=state,
            tz=tz,
            currency=self.env.company.currency_id.id,
        )

    def _from(self):
        Forecast = self.env["crm.forecast.report"]
        rate_date = SQL(
            "LEAST(COALESCE(lead.date_closed::date, CURRENT_DATE), CURRENT_DATE)"
        )
        lead_currency = SQL(
            "COALESCE(company.currency_id, %s)", self.env.company.currency_id.id
        )
        return SQL(
            """
            FROM crm_lead lead
            JOIN crm_stage stage ON stage.id = lead.stage_id
            LEFT JOIN res_company company ON company.id = lead.company_id
            LEFT JOIN (
                SELECT entry.lead_id,
                       MIN(entry.date_entered) AS first_entered,
                       MAX(entry.date_entered) FILTER (WHERE entry_stage.is_won) AS won_entered
                  FROM crm_lead_stage_history entry
                  JOIN crm_stage entry_stage ON entry_stage.id = entry.stage_id
                 GROUP BY entry.lead_id
            ) history ON history.lead_id = lead.id
            CROSS JOIN LATERAL (SELECT %(factor)s AS factor OFFSET 0) rate
            """,
            factor=Forecast._sql_conversion_factor(lead_currency, rate_date),
        )

    def _where(self):
        # Archived leads count as lost only when their probability is 0 (the
        # lost state of Odoo); other archived leads are left out.
        return SQL(
            """
            WHERE lead.type = 'opportunity'
              AND (lead.active OR lead.probability = 0)
            """
        )
