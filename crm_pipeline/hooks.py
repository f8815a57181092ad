import logging

from odoo.tools import SQL

from .models.crm_stage import DEFAULT_STAGE_REPLACEMENTS

_logger = logging.getLogger(__name__)

# Odoo stage that takes back the opportunities of each suite stage on
# uninstall: the reverse of DEFAULT_STAGE_REPLACEMENTS, with Negotiation
# joining Quote in Odoo's "Proposition".
STAGES_GIVEN_BACK = {
    **{suite: odoo for odoo, suite in DEFAULT_STAGE_REPLACEMENTS.items()},
    "crm_pipeline.stage_negotiation": "crm.stage_lead3",
}


def uninstall_hook(env):
    """Give the opportunities back to Odoo's default stages before the
    uninstall deletes the suite's stages.

    crm.lead.stage_id restricts deletion, so a stage that still contains
    opportunities would make Odoo log a failed DELETE. Opportunities go back
    to the default stage they came from. When the user deleted that default
    stage, the suite stage is kept with its opportunities: its external id is
    dropped, so the uninstall leaves it alone.
    """
    # The stage history is dropped with its model, and its rows point at the stages.
    env.cr.execute("DELETE FROM crm_lead_stage_history")
    for suite_xmlid, odoo_xmlid in STAGES_GIVEN_BACK.items():
        suite_stage = env.ref(suite_xmlid, raise_if_not_found=False)
        if not suite_stage:
            continue
        odoo_stage = env.ref(odoo_xmlid, raise_if_not_found=False)
        if odoo_stage:
            # Plain SQL like the move at installation: no tracking messages,
            # no stage requirements, the same date of last stage change.
            env.cr.execute(
                SQL(
                    "UPDATE crm_lead SET stage_id = %s WHERE stage_id = %s",
                    odoo_stage.id,
                    suite_stage.id,
                )
            )
            continue
        env.cr.execute(SQL("SELECT count(*) FROM crm_lead WHERE stage_id = %s", suite_stage.id))
        if env.cr.fetchone()[0]:
            _logger.info(
                "Stage %s (%s) keeps its opportunities after crm_pipeline is removed: "
                "Odoo's stage %s no longer exists.",
                suite_stage.name,
                suite_xmlid,
                odoo_xmlid,
            )
            env["ir.model.data"].search(
                [
                    ("module", "=", "crm_pipeline"),
                    ("model", "=", "crm.stage"),
                    ("res_id", "=", suite_stage.id),
                ]
            ).unlink()
    env["crm.lead"].invalidate_model(["stage_id"])
