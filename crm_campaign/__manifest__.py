{
    "name": "CRM Campaigns: Segments and Nurturing",
    "version": "18.0.1.0.0",
    "summary": "Behaviour-based segments, personalised campaigns, nurturing sequences, "
    "consent and attribution",
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm_core",
        "mass_mailing_crm",
    ],
    "data": [
        "security/crm_campaign_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/crm_segment_views.xml",
        "views/crm_nurture_sequence_views.xml",
        "views/crm_consent_views.xml",
        "views/mailing_mailing_views.xml",
        "wizards/crm_nurture_enrol_wizard_views.xml",
        "views/crm_campaign_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_campaign/static/tests/tours/*.js",
        ],
    },
}
