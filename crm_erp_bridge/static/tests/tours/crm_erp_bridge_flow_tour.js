/** @odoo-module **/

import { registry } from "@web/core/registry";

// An accountant opens the document flow of a won opportunity, follows it to
// the invoice, comes back and follows it to the payment.
registry.category("web_tour.tours").add("crm_erp_bridge_flow_tour", {
    steps: () => [
        {
            content: "The won opportunity is open",
            trigger: ".o_breadcrumb .active:contains('Tour rack rollout')",
        },
        {
            content: "Open its document flow",
            trigger: "button[name=action_view_crm_document_flow]",
            run: "click",
        },
        {
            content: "The flow lists the order, the invoice and the payment",
            trigger: ".o_list_view .o_data_row:contains('Payment')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Sales Order')",
        },
        {
            content: "Follow the flow to the invoice",
            trigger: ".o_data_row:has(td[name=document_kind]:contains('Invoice')) button[name=action_open_document]",
            run: "click",
        },
        {
            content: "The invoice is open",
            trigger: ".o_breadcrumb .active:contains('INV/')",
        },
        {
            content: "The invoice is paid",
            trigger: ".o_form_view .ribbon:contains('Paid'), .o_form_view .ribbon:contains('In Payment')",
        },
        {
            content: "Back to the flow",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Document Flow')",
            run: "click",
        },
        {
            content: "Follow the flow to the payment",
            trigger: ".o_data_row:has(td[name=document_kind]:contains('Payment')) button[name=action_open_document]",
            run: "click",
        },
        {
            content: "The payment of 1,150.00 is open",
            trigger: ".o_form_view .o_field_widget[name=amount]:contains('1,150.00'), .o_form_view .o_field_widget[name=amount] input:value('1,150.00')",
        },
    ],
});
