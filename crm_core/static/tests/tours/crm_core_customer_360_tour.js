/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_core_customer_360_tour", {
    steps: () => [
        {
            // Demo data of other modules can push the customer off the first page.
            trigger: ".o_searchview_input",
            content: "Search the customer by name",
            run: "edit Alpenblick",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            trigger: ".o_data_row td:contains('Alpenblick Werkzeuge GmbH')",
            content: "Open the customer from the 360° list",
            run: "click",
        },
        {
            trigger: ".o_notebook a.nav-link:contains('360° View')",
            content: "Open the 360° view",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=crm_open_opportunity_count]:contains('1')",
            content: "The open opportunity of the customer is counted",
        },
        {
            trigger: "button[name=action_crm_log_interaction]:contains('Log Call')",
            content: "Log a call",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            content: "Describe the call",
            run: "edit Rückruf wegen Angebot",
        },
        {
            trigger: ".modal button[name=action_log]",
            content: "Save the call",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_field_widget[name=crm_last_contact_channel]:contains('Call')",
            content: "Last contact shows the call",
        },
        {
            // The page's own button: with sale, account and stock installed, the
            // button box moves its last stat buttons into a "More" menu.
            trigger: ".o_notebook button[name=action_crm_open_timeline]",
            content: "Open the timeline",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:first td:contains('Rückruf wegen Angebot')",
            content: "The call is the newest entry of the timeline",
        },
        {
            trigger: ".o_list_view .o_data_row:first td:contains('Call')",
        },
    ],
});
