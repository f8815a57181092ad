{
    "name": "CRM Pipeline: Forecasts, At-Risk Deals and Dashboards",
    "version": "18.0.1.0.0",
    "summary": "Sales stages with history, quarterly forecasts, at-risk deals, follow-up automation, dashboards and pipeline import",
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm_core",
        "sale_crm",
    ],
    "data": [
        "security/ir.model.access.csv",
        "data/crm_stage_data.xml",
    ],
    "demo": [],
    "application": False,
    "installable": True,
}
