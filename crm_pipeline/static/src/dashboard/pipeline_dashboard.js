/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * Sales dashboard: key figures, won revenue per quarter, pipeline per stage,
 * conversion funnel, lost reasons, performance per salesperson and team,
 * and the workload of each salesperson against their lead capacity.
 */
export class PipelineDashboard extends Component {
    static template = "crm_pipeline.PipelineDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ year: "", teamId: "", data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("crm.pipeline.dashboard", "get_dashboard_data", [], {
            year: this.state.year ? parseInt(this.state.year) : null,
            team_id: this.state.teamId ? parseInt(this.state.teamId) : null,
        });
    }

    async onFilterChange(field, ev) {
        this.state[field] = ev.target.value;
        await this.load();
    }

    money(value) {
        return formatMonetary(value || 0, { currencyId: this.state.data.currency_id });
    }

    percent(value) {
        return value === null || value === undefined ? "–" : `${formatFloat(value, { digits: [16, 1] })} %`;
    }

    days(value) {
        return value === null || value === undefined ? "–" : formatFloat(value, { digits: [16, 1] });
    }

    barWidth(value, rows, key) {
        const max = Math.max(...rows.map((row) => row[key] || 0));
        return `height: 0.8rem; width: ${max ? Math.round((100 * (value || 0)) / max) : 0}%;`;
    }

    _domain(extra) {
        const domain = [...extra];
        if (this.state.teamId) {
            domain.push(["team_id", "=", parseInt(this.state.teamId)]);
        }
        return domain;
    }

    openAnalysis(name, domain, groupBy) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: "crm.pipeline.analysis",
            views: [
                [false, "list"],
                [false, "pivot"],
                [false, "graph"],
            ],
            domain: this._domain(domain),
            context: groupBy ? { group_by: groupBy } : {},
        });
    }

    openStage(row) {
        this.openAnalysis(row.stage, [
            ["state", "=", "open"],
            ["stage_id", "=", row.stage_id],
        ]);
    }

    openQuarter(row) {
        if (!row.date) {
            this.openAnalysis(row.quarter, [
                ["state", "=", "won"],
                ["date_closed", "=", false],
            ]);
            return;
        }
        const start = row.date;
        const end = luxon.DateTime.fromISO(start).plus({ months: 3 }).toISODate();
        this.openAnalysis(_t("Won in %s", row.quarter), [
            ["state", "=", "won"],
            ["date_closed", ">=", start],
            ["date_closed", "<", end],
        ]);
    }

    openSalesperson(row) {
        this.openAnalysis(row.name, [["user_id", "=", row.id || false]]);
    }

    openForecast() {
        this.action.doAction("crm_pipeline.crm_forecast_report_action");
    }
}

registry.category("actions").add("crm_pipeline.dashboard", PipelineDashboard);
