{
    "name": "CRM Core: 360° Customer View",
    "version": "18.0.1.0.0",
    "summary": "One record per customer: 360° view, interaction timeline, lead scoring and data quality",
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm",
        "contacts",
    ],
    "data": [
        "security/ir.model.access.csv",
    ],
    "demo": [],
    "application": True,
    "installable": True,
}
