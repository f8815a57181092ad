{
    "name": "CRM ERP Bridge: Quote to Cash",
    "version": "18.0.1.0.0",
    "summary": "Traceable chain from opportunity to quote, order, delivery, invoice and payment; renewals and account health",
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
    ],
    "demo": [],
    "application": False,
    "installable": True,
}
