{
    "name": "CRM Pipeline: Forecasts, At-Risk Deals and Dashboards",
    "version": "18.0.1.1.0",
    "summary": (
        "Sales stages with history, quarterly forecasts, at-risk deals, "
        "follow-up automation, dashboards and pipeline import"
    ),
    "category": "Sales/CRM",
    "author": "CRM Suite contributors",
    "website": "https://github.com/crm-suite/crm-suite",
    "license": "LGPL-3",
    "depends": [
        "crm_core",
        "sale_crm",
        "base_automation",
    ],
    "uninstall_hook": "uninstall_hook",
    "data": [
        "security/ir.model.access.csv",
        "security/crm_pipeline_security.xml",
        "data/crm_stage_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/base_automation_data.xml",
        "data/ir_cron_data.xml",
        "views/crm_stage_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_team_views.xml",
        "views/crm_lead_stage_history_views.xml",
        "views/crm_forecast_target_views.xml",
        "views/crm_forecast_report_views.xml",
        "views/crm_pipeline_analysis_views.xml",
        "report/crm_forecast_report_templates.xml",
        "views/crm_pipeline_menus.xml",
        "security/crm_pipeline_import_security.xml",
        "data/crm_lost_reason_data.xml",
        "views/crm_pipeline_import_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_pipeline/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "crm_pipeline/static/tests/tours/*.js",
        ],
    },
}
