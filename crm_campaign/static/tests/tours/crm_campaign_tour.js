/** @odoo-module **/
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A marketer builds a segment of the contacts who opened the spring mailing, starts a two-step sequence on it
// and watches the participants move from the mail to the wait step.
registry.category("web_tour.tours").add("crm_campaign_segment_sequence", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Email Marketing",
            trigger: '.o_app[data-menu-xmlid="mass_mailing.mass_mailing_menu_root"]',
            run: "click",
        },
        {
            content: "Open the segments",
            trigger: '.o_nav_entry[data-menu-xmlid="crm_campaign.crm_segment_menu"]',
            run: "click",
        },
        {
            content: "Create a segment",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name the segment",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Openers",
        },
        {
            content: "Add a criterion",
            trigger: ".o_field_widget[name=criterion_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "The new criterion is 'Opened an email': limit it to the spring mailing",
            trigger: ".o_data_row .o_field_widget[name=mailing_id] input",
            run: "edit Spring offers",
        },
        {
            trigger: ".o-autocomplete--dropdown-item > a:contains(Spring offers)",
            run: "click",
        },
        {
            content: "Save the segment",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The live count shows the four openers (Eve is blocklisted)",
            trigger: "button[name=action_preview_members]:contains(Members):contains(4)",
        },
        {
            content: "Open the nurturing sequences",
            trigger: '.o_nav_entry[data-menu-xmlid="crm_campaign.crm_nurture_sequence_menu"]',
            run: "click",
        },
        {
            content: "Create a sequence",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name the sequence",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Welcome openers",
        },
        {
            content: "Choose the entry segment",
            trigger: ".o_field_widget[name=segment_id] input",
            run: "edit Openers",
        },
        {
            trigger: ".o-autocomplete--dropdown-item > a:contains(Openers)",
            run: "click",
        },
        {
            content: "Add the first step",
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "It sends an email",
            trigger: ".modal .o_field_widget[name=step_type] select",
            run: 'select "mail"',
        },
        {
            content: "Pick the welcome template",
            trigger: ".modal .o_field_widget[name=mail_template_id] input",
            run: "edit Tour welcome",
        },
        {
            trigger: ".o-autocomplete--dropdown-item > a:contains(Tour welcome)",
            run: "click",
        },
        {
            content: "Save the step and add the next one",
            trigger: ".modal .o_form_button_save_new",
            run: "click",
        },
        {
            content: "The second step waits",
            trigger: ".modal .o_field_widget[name=step_type] select:has(option:selected[value='\"wait\"'])",
        },
        {
            content: "Wait two days",
            trigger: ".modal .o_field_widget[name=wait_days] input",
            run: "edit 2",
        },
        {
            trigger: ".modal .o_form_button_save:contains(Save & Close)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Start the sequence",
            trigger: "button[name=action_start]",
            run: "click",
        },
        {
            content: "Four participants are running",
            trigger: "button[name=action_view_participants]:contains(Running):contains(4)",
        },
        {
            content: "Advance the participants now",
            trigger: "button[name=action_advance_now]",
            run: "click",
        },
        {
            content: "Look at the participants",
            trigger: ".o_notebook .nav-link:contains(Participants)",
            run: "click",
        },
        {
            content: "Every participant moved on to the wait step",
            trigger:
                ".o_field_widget[name=participant_ids] .o_data_row:eq(3) td[name=current_step_id]:contains(Wait 2 days)",
        },
        {
            trigger:
                ".o_field_widget[name=participant_ids]:not(:has(td[name=current_step_id]:contains(Send)))",
        },
    ],
});
