{
    "name": "CRM Core: 360° Customer View",
    "version": "18.0.1.1.0",
    "summary": (
        "One record per customer: 360° view, interaction timeline, lead scoring and data quality"
    ),
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm",
        "contacts",
    ],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/crm_core_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_interaction_views.xml",
        "views/crm_score_views.xml",
        "views/crm_data_quality_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/crm_log_interaction_views.xml",
        "views/crm_core_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_core/static/tests/tours/*.js",
        ],
    },
    "pre_init_hook": "pre_init_hook",
    "application": True,
}
