{
    "name": "CRM Helpdesk: Tickets, SLA and Customer Portal",
    "version": "18.0.1.0.0",
    "summary": "Support tickets with SLA on working calendars, escalation, email gateway and a self-service portal",
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm_core",
        "portal",
        "rating",
        "resource",
    ],
    "data": [
        "security/ir.model.access.csv",
    ],
    "demo": [],
    "application": True,
    "installable": True,
}
