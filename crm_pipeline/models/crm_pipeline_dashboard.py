from odoo import api, fields, models
from odoo.tools import SQL


class CrmPipelineDashboard(models.AbstractModel):
    """Figures of the sales dashboard, read from ``crm.pipeline.analysis``
    with the record rules of the current user."""

    _name = "crm.pipeline.dashboard"
    _description = "Sales Dashboard"

    @api.model
    @api.readonly
    def get_dashboard_data(self, year=None, team_id=None):
        """Return every figure of the dashboard screen.

        :param int year: calendar year of the closing date (user's time zone)
            for the won and lost figures; ``None`` for all years
        :param int team_id: restrict to one sales team; ``None`` for all
        :return: dict of figures (see the keys below)
        """
        scope = self._get_scope_domain(team_id)
        closed = scope + [("state", "in", ("won", "lost"))]
        if year:
            closed += [
                ("date_closed", ">=", f"{int(year)}-01-01"),
                ("date_closed", "<=", f"{int(year)}-12-31"),
            ]
        open_deals = scope + [("state", "=", "open")]
        return {
            "currency_id": self.env.company.currency_id.id,
            "years": self._get_years(scope),
            "teams": [
                {"id": team.id, "name": team.name}
                for team in self.env["crm.team"].search([])
            ],
            "summary": self._get_summary(closed, open_deals),
            "won_by_quarter": self._get_won_by_quarter(closed),
            "pipeline_by_stage": self._get_pipeline_by_stage(open_deals),
            "funnel": self._get_funnel(scope, year),
            "lost_reasons": self._get_lost_reasons(closed),
            "salespeople": self._get_performance(closed, open_deals, "user_id"),
            "teams_performance": self._get_performance(closed, open_deals, "team_id"),
            "capacity": self._get_capacity(team_id),
        }

    # ------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------

    def _get_scope_domain(self, team_id):
        return [("team_id", "=", int(team_id))] if team_id else []

    def _get_years(self, scope):
        Analysis = self.env["crm.pipeline.analysis"]
        rows = Analysis._read_group(scope + [("date_closed", "!=", False)], ["date_closed:year"])
        return sorted({row[0].year for row in rows}, reverse=True)

    def _get_summary(self, closed, open_deals):
        Analysis = self.env["crm.pipeline.analysis"]
        [[won, lost, won_revenue, win_rate, cycle]] = Analysis._read_group(
            closed, [], ["won_count:sum", "lost_count:sum", "won_revenue:sum", "win_rate:avg",
                         "cycle_days:avg"]
        )
        [[open_count, pipeline, weighted]] = Analysis._read_group(
            open_deals, [], ["open_count:sum", "pipeline_revenue:sum", "weighted_revenue:sum"]
        )
        return {
            "won_count": won or 0,
            "lost_count": lost or 0,
            "won_revenue": won_revenue or 0.0,
            "win_rate": win_rate,
            "average_cycle_days": cycle,
            "median_cycle_days": self._get_median_cycle(closed),
            "open_count": open_count or 0,
            "pipeline_revenue": pipeline or 0.0,
            "weighted_revenue": weighted or 0.0,
        }

    def _get_median_cycle(self, closed):
        Analysis = self.env["crm.pipeline.analysis"]
        query = Analysis._search(closed + [("state", "=", "won"), ("cycle_days", "!=", False)])
        cycle = Analysis._field_to_sql(query.table, "cycle_days", query)
        [[median]] = self.env.execute_query(
            query.select(SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", cycle))
        )
        return median

    def _get_won_by_quarter(self, closed):
        rows = self.env["crm.pipeline.analysis"]._read_group(
            closed + [("state", "=", "won")],
            ["date_closed:quarter"],
            ["won_revenue:sum", "won_count:sum"],
            order="date_closed:quarter",
        )
        # Deals created directly in a won stage may have no closing date.
        return [
            {
                "quarter": (
                    f"Q{(start.month - 1) // 3 + 1} {start.year}"
                    if start
                    else self.env._("No date")
                ),
                "date": fields.Date.to_string(start) if start else False,
                "won_revenue": revenue,
                "won_count": count,
            }
            for start, revenue, count in rows
        ]

    def _get_pipeline_by_stage(self, open_deals):
        rows = self.env["crm.pipeline.analysis"]._read_group(
            open_deals,
            ["stage_id"],
            ["open_count:sum", "pipeline_revenue:sum", "weighted_revenue:sum"],
        )
        return [
            {
                "stage_id": stage.id,
                "stage": stage.display_name,
                "count": count,
                "value": value,
                "weighted": weighted,
            }
            for stage, count, value, weighted in rows
        ]

    def _get_funnel(self, scope, year):
        """Count for each stage the deals that reached it or a later stage,
        according to their stage history, and the conversion to the next one."""
        stages = self.env["crm.stage"].search([("team_id", "=", False)])
        Analysis = self.env["crm.pipeline.analysis"]
        domain = list(scope)
        if year:
            domain += [
                ("date_created", "<=", f"{int(year)}-12-31"),
                "|",
                ("date_closed", "=", False),
                ("date_closed", ">=", f"{int(year)}-01-01"),
            ]
        query = Analysis._search(domain)
        lead = Analysis._field_to_sql(query.table, "lead_id", query)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT reached.max_sequence, COUNT(*)
                  FROM (
                      SELECT entry.lead_id, MAX(stage.sequence) AS max_sequence
                        FROM crm_lead_stage_history entry
                        JOIN crm_stage stage ON stage.id = entry.stage_id
                       WHERE entry.lead_id IN (%s)
                       GROUP BY entry.lead_id
                  ) reached
                 GROUP BY reached.max_sequence
                """,
                query.select(lead),
            )
        )
        funnel = []
        for stage in stages:
            reached = sum(count for sequence, count in rows if sequence >= stage.sequence)
            funnel.append({"stage_id": stage.id, "stage": stage.display_name, "reached": reached})
        for current, following in zip(funnel, funnel[1:], strict=False):
            current["conversion"] = (
                100.0 * following["reached"] / current["reached"] if current["reached"] else None
            )
        if funnel:
            funnel[-1]["conversion"] = None
        return funnel

    def _get_lost_reasons(self, closed):
        rows = self.env["crm.pipeline.analysis"]._read_group(
            closed + [("state", "=", "lost")],
            ["lost_reason_id"],
            ["lost_count:sum", "lost_revenue:sum"],
            order="lost_count:sum desc",
        )
        return [
            {
                "reason": reason.display_name or self.env._("No reason"),
                "count": count,
                "value": value,
            }
            for reason, count, value in rows
        ]

    def _get_performance(self, closed, open_deals, groupby):
        Analysis = self.env["crm.pipeline.analysis"]
        closed_rows = Analysis._read_group(
            closed,
            [groupby],
            ["won_count:sum", "lost_count:sum", "won_revenue:sum", "win_rate:avg",
             "cycle_days:avg"],
        )
        open_rows = {
            owner: (count, value)
            for owner, count, value in Analysis._read_group(
                open_deals, [groupby], ["open_count:sum", "pipeline_revenue:sum"]
            )
        }
        result = []
        owners = {owner for owner, *_values in closed_rows} | set(open_rows)
        closed_by_owner = {owner: values for owner, *values in closed_rows}
        for owner in owners:
            won, lost, won_revenue, win_rate, cycle = closed_by_owner.get(
                owner, (0, 0, 0.0, None, None)
            )
            open_count, pipeline = open_rows.get(owner, (0, 0.0))
            result.append(
                {
                    "id": owner.id,
                    "name": owner.display_name or self.env._("Unassigned"),
                    "deal_count": won + lost + open_count,
                    "won_count": won,
                    "lost_count": lost,
                    "won_revenue": won_revenue,
                    "win_rate": win_rate,
                    "average_cycle_days": cycle,
                    "open_count": open_count,
                    "pipeline_revenue": pipeline,
                }
            )
        return sorted(result, key=lambda row: (-row["won_revenue"], row["name"]))

    def _get_capacity(self, team_id):
        """Return the workload of each sales team member against the lead
        capacity set in the team's assignment settings."""
        members = self.env["crm.team.member"].search(
            [("crm_team_id", "=", int(team_id))] if team_id else []
        )
        if not members:
            return []
        users = members.user_id
        open_rows = {
            user: (count, value)
            for user, count, value in self.env["crm.lead"]._read_group(
                [("user_id", "in", users.ids), ("type", "=", "opportunity"),
                 ("stage_id.is_won", "=", False)],
                ["user_id"],
                ["__count", "expected_revenue:sum"],
            )
        }
        activity_rows = dict(
            self.env["mail.activity"]._read_group(
                [("user_id", "in", users.ids), ("res_model", "=", "crm.lead")],
                ["user_id"],
                ["__count"],
            )
        )
        result = []
        for member in members:
            user = member.user_id
            open_count, pipeline = open_rows.get(user, (0, 0.0))
            capacity = member.assignment_max
            assigned = member.lead_month_count
            result.append(
                {
                    "user_id": user.id,
                    "name": user.name,
                    "team": member.crm_team_id.name,
                    "open_count": open_count,
                    "pipeline_revenue": pipeline,
                    "planned_activities": activity_rows.get(user, 0),
                    "assigned_30_days": assigned,
                    "capacity": capacity,
                    "load": 100.0 * assigned / capacity if capacity else None,
                    "status": "overloaded" if capacity and assigned >= capacity else "available",
                }
            )
        return sorted(result, key=lambda row: -(row["load"] or 0))
