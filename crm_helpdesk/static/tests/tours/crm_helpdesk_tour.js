import { registry } from "@web/core/registry";

// The three tours run one after the other from test_tour.py: the customer
// opens a ticket on the portal, an agent answers and closes it in the
// backend, the customer reads the answer and rates it.

registry.category("web_tour.tours").add("crm_helpdesk_portal_open_ticket", {
    steps: () => [
        {
            content: "Open the tickets from My Account",
            trigger: "a[href='/my/support-tickets']",
            run: "click",
        },
        {
            content: "Start a new ticket",
            trigger: "a.o_crm_helpdesk_new_ticket",
            run: "click",
        },
        {
            content: "Describe the problem in the subject",
            trigger: "input[name='name']",
            run: "edit Router keeps rebooting",
        },
        {
            content: "Add the details",
            trigger: "textarea[name='description']",
            run: "edit Since this morning the router restarts every ten minutes.",
        },
        {
            content: "Submit the ticket",
            trigger: "button.o_crm_helpdesk_submit",
            run: "click",
        },
        {
            content: "The ticket page shows the new ticket",
            trigger: ".o_crm_helpdesk_ticket_name:contains(Router keeps rebooting)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_helpdesk_agent_answer", {
    steps: () => [
        {
            content: "The ticket form is open",
            trigger: ".o_form_view .o_field_widget[name='name'] input",
        },
        {
            content: "Write to the customer",
            trigger: "button:contains(Send message)",
            run: "click",
        },
        {
            content: "Type the answer",
            trigger: ".o-mail-Composer-input",
            run: "edit Please unplug the router for ten seconds.",
        },
        {
            content: "Send the answer",
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The answer is in the chatter",
            trigger: ".o-mail-Message:contains(Please unplug the router)",
        },
        {
            content: "Close the ticket",
            trigger: ".o_form_view button[name='action_close']",
            run: "click",
        },
        {
            content: "The ticket is solved",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Solved)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_helpdesk_portal_rate", {
    steps: () => [
        {
            content: "The agent's answer shows on the portal",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(Please unplug the router)",
        },
        {
            content: "Rate the answer as satisfying",
            trigger: "a.o_crm_helpdesk_rate_5",
            run: "click",
        },
        {
            content: "Leave a comment",
            trigger: ".o_rating_page_submit textarea[name='feedback']",
            run: "edit Fixed, thank you!",
        },
        {
            content: "Send the rating",
            trigger: ".o_rating_page_submit button:contains(Send Feedback)",
            run: "click",
        },
        {
            content: "The rating is recorded",
            trigger: "h3:contains(Thank you for your feedback)",
        },
    ],
});
