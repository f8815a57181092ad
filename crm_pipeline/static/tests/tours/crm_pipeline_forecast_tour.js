/** @odoo-module **/

import { registry } from "@web/core/registry";

// A manager opens the forecast, drills into the deals of Q3 2031 from the
// pivot and moves one deal from Pipeline to Commit.
registry.category("web_tour.tours").add("crm_pipeline_forecast_tour", {
    steps: () => [
        {
            content: "The forecast pivot shows the quarter",
            trigger: ".o_pivot th:contains('Q3 2031')",
        },
        {
            content: "Drill into the weighted pipeline of Q3 2031",
            trigger: ".o_pivot tr:has(th:contains('Q3 2031')) td.o_pivot_cell_value:contains('6,000.00'):first",
            run: "click",
        },
        {
            content: "Open the category of the brewery deal",
            trigger: ".o_list_view .o_data_row:contains('Tour Brewery Deal') td[name=forecast_category]",
            run: "click",
        },
        {
            content: "Move the deal to Commit",
            trigger: ".o_data_row.o_selected_row td[name=forecast_category] select",
            run: "selectByLabel Commit",
        },
        {
            content: "Save the row",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The deal is now in Commit",
            trigger: ".o_data_row:contains('Tour Brewery Deal') td[name=forecast_category]:contains('Commit')",
        },
    ],
});

// A manager opens the sales dashboard, filters it on a team, then opens the
// forecast from it.
registry.category("web_tour.tours").add("crm_pipeline_dashboard_tour", {
    steps: () => [
        {
            content: "The dashboard shows the win rate of all teams",
            trigger: ".o_crm_pipeline_dashboard .o_crm_pipeline_win_rate",
        },
        {
            content: "Filter on the tour team",
            trigger: ".o_crm_pipeline_team",
            run: "selectByLabel Tour Team",
        },
        {
            content: "One deal won and one lost: 50 % win rate",
            trigger: ".o_crm_pipeline_win_rate:contains('50.0')",
        },
        {
            content: "The salesperson table lists the tour salesperson",
            trigger: ".o_crm_pipeline_salespeople td:contains('Tour Manager')",
        },
        {
            content: "The team's capacity is listed",
            trigger: ".o_crm_pipeline_capacity td:contains('Tour Manager')",
        },
        {
            content: "Open the forecast",
            trigger: ".o_crm_pipeline_dashboard button:contains('Forecast')",
            run: "click",
        },
        {
            content: "The forecast pivot is shown",
            trigger: ".o_pivot",
        },
    ],
});
