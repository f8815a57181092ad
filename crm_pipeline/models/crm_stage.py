from odoo import api, fields, models

# Odoo's default stages (crm/data/crm_stage_data.xml) mapped to the suite's
# stage that takes over their opportunities when crm_pipeline is installed.
DEFAULT_STAGE_REPLACEMENTS = {
    "crm.stage_lead1": "crm_pipeline.stage_lead",
    "crm.stage_lead2": "crm_pipeline.stage_qualified",
    "crm.stage_lead3": "crm_pipeline.stage_quote",
    "crm.stage_lead4": "crm_pipeline.stage_won",
}


class CrmStage(models.Model):
    _inherit = "crm.stage"

    active = fields.Boolean(
        default=True,
        help="Archived stages are hidden from the pipeline and cannot be chosen.",
    )
    crm_default_probability = fields.Float(
        string="Default Probability",
        help="Probability (in %) an opportunity gets when it enters this stage. "
        "Leave 0 to keep the predictive probability computed by Odoo.",
    )
    crm_required_field_ids = fields.One2many(
        comodel_name="crm.required.field",
        inverse_name="stage_id",
        string="Required Fields",
        domain=[("model_name", "=", "crm.lead")],
        help="Fields of the opportunity counted in its data completeness in "
        "this stage. Those marked as required to enter the stage must be "
        "filled before the opportunity can move to it.",
    )

    @api.model
    def _crm_pipeline_retire_default_stages(self):
        """Move opportunities from Odoo's default stages to the suite's stages
        and archive the default stages, so the pipeline shows only the suite's
        stages. Runs once at installation; the stages stay in the database so
        that Odoo's demo data and other modules can still refer to them.

        The move is a plain SQL update on purpose: it must not post tracking
        messages, reset ``date_last_stage_update`` or check stage
        requirements, because the opportunities keep the same meaning.
        """
        retired = self.browse()
        for old_xmlid, new_xmlid in DEFAULT_STAGE_REPLACEMENTS.items():
            old_stage = self.env.ref(old_xmlid, raise_if_not_found=False)
            new_stage = self.env.ref(new_xmlid, raise_if_not_found=False)
            if not old_stage or not new_stage or old_stage == new_stage:
                continue
            self.env.cr.execute(
                "UPDATE crm_lead SET stage_id = %s WHERE stage_id = %s",
                (new_stage.id, old_stage.id),
            )
            retired |= old_stage
        self.env["crm.lead"].invalidate_model(["stage_id"])
        retired.write({"active": False})
        self.env["crm.lead"]._crm_backfill_stage_history()
        return True
