"""Column and stage presets of the pipeline importer.

Each preset maps the importer's own field names (the keys of IMPORT_FIELDS) to
the column headers of one CRM's CSV export, and the stage names of that CRM to
the suite's stage keys. Headers and stage names are compared after
``normalize_key``, so case, spacing and punctuation do not matter.
"""

import re

# Importer field -> label shown in the manual mapping step.
IMPORT_FIELDS = {
    "ref": "Opportunity ID",
    "name": "Opportunity name",
    "stage": "Stage",
    "status": "Status (open, won, lost)",
    "salesperson": "Salesperson",
    "account": "Customer company",
    "product": "Product",
    "amount": "Amount",
    "currency": "Currency of the amount",
    "engage_date": "Engagement date",
    "close_date": "Expected or actual closing date",
    "closed_date": "Actual closing date",
}

# Suite stage keys: the crm_pipeline stage xml ids plus the lost state.
STAGE_XMLIDS = {
    "lead": "crm_pipeline.stage_lead",
    "qualified": "crm_pipeline.stage_qualified",
    "quote": "crm_pipeline.stage_quote",
    "negotiation": "crm_pipeline.stage_negotiation",
    "won": "crm_pipeline.stage_won",
}
STAGE_KEYS = [*STAGE_XMLIDS, "lost"]

# Stage names every preset understands: the suite's own stages and Odoo's
# default ones.
COMMON_STAGES = {
    "lead": "lead",
    "new": "lead",
    "qualified": "qualified",
    "quote": "quote",
    "proposition": "quote",
    "negotiation": "negotiation",
    "won": "won",
    "lost": "lost",
}

PRESETS = {
    "maven": {
        "label": "Maven CRM sample (sales_pipeline.csv)",
        "columns": {
            "ref": "opportunity_id",
            "salesperson": "sales_agent",
            "product": "product",
            "account": "account",
            "stage": "deal_stage",
            "engage_date": "engage_date",
            "close_date": "close_date",
            "amount": "close_value",
        },
        # The Maven export has all eight columns, even when a cell is empty.
        "required": [
            "ref", "salesperson", "product", "account", "stage",
            "engage_date", "close_date", "amount",
        ],
        "stages": {
            "prospecting": "lead",
            "engaging": "qualified",
            "won": "won",
            "lost": "lost",
        },
        "date_formats": ["%Y-%m-%d"],
    },
    "hubspot": {
        "label": "HubSpot deals export",
        "columns": {
            "ref": "Record ID",
            "name": "Deal Name",
            "stage": "Deal Stage",
            "amount": "Amount",
            "close_date": "Close Date",
            "engage_date": "Create Date",
            "salesperson": "Deal owner",
            "account": "Associated Company",
        },
        "required": ["ref", "stage"],
        "stages": {
            "appointmentscheduled": "lead",
            "qualifiedtobuy": "qualified",
            "presentationscheduled": "quote",
            "decisionmakerboughtin": "negotiation",
            "contractsent": "negotiation",
            "closedwon": "won",
            "closedlost": "lost",
        },
        "date_formats": ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
    },
    "pipedrive": {
        "label": "Pipedrive deals export",
        "columns": {
            "ref": "Deal - ID",
            "name": "Deal - Title",
            "amount": "Deal - Value",
            "currency": "Deal - Currency",
            "stage": "Deal - Stage",
            "status": "Deal - Status",
            "salesperson": "Deal - Owner",
            "account": "Deal - Organization",
            "engage_date": "Deal - Deal created",
            "close_date": "Deal - Expected close date",
            "closed_date": "Deal - Deal closed on",
        },
        "required": ["ref", "stage"],
        "stages": {
            "leadin": "lead",
            "contactmade": "qualified",
            "demoscheduled": "qualified",
            "proposalmade": "quote",
            "negotiationsstarted": "negotiation",
        },
        "date_formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
    },
    "salesforce": {
        "label": "Salesforce opportunities report",
        "columns": {
            "ref": "Opportunity ID",
            "name": "Opportunity Name",
            "account": "Account Name",
            "stage": "Stage",
            "amount": "Amount",
            "close_date": "Close Date",
            "engage_date": "Created Date",
            "salesperson": "Opportunity Owner",
            "product": "Product Name",
        },
        "required": ["ref", "stage"],
        "stages": {
            "prospecting": "lead",
            "qualification": "qualified",
            "needsanalysis": "qualified",
            "valueproposition": "quote",
            "iddecisionmakers": "quote",
            "perceptionanalysis": "quote",
            "proposalpricequote": "quote",
            "negotiationreview": "negotiation",
            "closedwon": "won",
            "closedlost": "lost",
        },
        # Salesforce writes dates in the locale of the exporting user; the
        # US format is the default one.
        "date_formats": ["%m/%d/%Y", "%m/%d/%Y %I:%M %p", "%Y-%m-%d"],
    },
}

# Formats tried for columns mapped by hand.
MANUAL_DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y",
    "%m/%d/%Y",
]

STATUS_VALUES = {"open": False, "won": "won", "lost": "lost"}


def normalize_key(value):
    """Return ``value`` lowercased without spaces and punctuation."""
    return re.sub(r"[\W_]+", "", value or "").casefold()


def all_known_stages():
    """Return every stage name known by a preset, normalized, with its key."""
    stages = dict(COMMON_STAGES)
    for preset in PRESETS.values():
        stages.update(preset["stages"])
    return stages
