{
    "name": "CRM ERP Bridge: Quote to Cash",
    "version": "18.0.1.0.0",
    "summary": (
        "Traceable chain from opportunity to quote, order, delivery, invoice and payment; "
        "renewals and account health"
    ),
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm_pipeline",
        "crm_helpdesk",
        "sale_management",
        "sale_stock",
        "account",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_erp_bridge_security.xml",
        "data/ir_cron_data.xml",
        "views/crm_document_flow_views.xml",
        "report/crm_quote_to_cash_report_views.xml",
        "report/crm_quote_to_cash_report_templates.xml",
        "wizards/crm_quote_to_cash_print_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/account_payment_views.xml",
        "views/crm_lead_views.xml",
        "views/res_partner_views.xml",
        "views/product_template_views.xml",
        "views/crm_erp_bridge_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_erp_bridge/static/tests/tours/*.js",
        ],
    },
}
