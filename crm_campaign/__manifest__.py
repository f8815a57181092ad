{
    "name": "CRM Campaigns: Segments and Nurturing",
    "version": "18.0.1.0.0",
    "summary": "Behaviour-based segments, personalised campaigns, nurturing sequences, consent and attribution",
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm_core",
        "mass_mailing_crm",
    ],
    "data": [
        "security/ir.model.access.csv",
    ],
    "demo": [],
    "application": False,
    "installable": True,
}
