from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmNurtureEnrolWizard(models.TransientModel):
    _name = "crm.nurture.enrol.wizard"
    _description = "Add records to a nurturing sequence"

    res_model = fields.Char(required=True)
    res_ids = fields.Json(required=True)
    sequence_id = fields.Many2one(
        "crm.nurture.sequence",
        string="Nurturing sequence",
        required=True,
        domain="[('target_model', '=', res_model), ('state', '!=', 'stopped')]",
    )
    record_count = fields.Integer(compute="_compute_record_count")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") in ("res.partner", "crm.lead"):
            values.setdefault("res_model", context["active_model"])
            values.setdefault("res_ids", context.get("active_ids") or [])
        return values

    @api.depends("res_ids")
    def _compute_record_count(self):
        for wizard in self:
            wizard.record_count = len(wizard.res_ids or [])

    def action_enrol(self):
        """Add the selected records that are not participants yet."""
        self.ensure_one()
        if self.sequence_id.target_model != self.res_model:
            raise UserError(self.env._(
                "Sequence %(sequence)s works on other records than the selection.",
                sequence=self.sequence_id.name,
            ))
        field_name = "lead_id" if self.res_model == "crm.lead" else "partner_id"
        participants = self.env["crm.nurture.participant"]
        existing = participants.search([
            ("sequence_id", "=", self.sequence_id.id),
            (field_name, "in", self.res_ids),
        ])
        if field_name == "partner_id":
            existing = existing.filtered(lambda participant: not participant.lead_id)
        known_ids = set(existing.mapped(field_name).ids)
        new_ids = [res_id for res_id in self.res_ids if res_id not in known_ids]
        participants.create([
            {"sequence_id": self.sequence_id.id, field_name: res_id} for res_id in new_ids
        ])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Nurturing sequence"),
                "message": self.env._(
                    "%(added)s added to %(sequence)s, %(skipped)s already in it.",
                    added=len(new_ids),
                    sequence=self.sequence_id.name,
                    skipped=len(known_ids),
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
