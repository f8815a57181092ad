from odoo import api, fields, models
from odoo.tools.sql import create_index

# Name compared between leads: the company name, else the contact name.
LEAD_NAME_KEY_SQL = (
    "crm_core_unaccent(lower(COALESCE(NULLIF({t}.partner_name, ''), {t}.contact_name, '')))"
)


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.score.mixin", "crm.quality.mixin"]

    crm_duplicate_ids = fields.Many2many(
        comodel_name="crm.lead",
        string="Possible Duplicates",
        compute="_compute_crm_duplicate_ids",
    )

    def init(self):
        result = super().init()
        # Trigram index for name similarity; crm_core_unaccent is created by the pre-init hook.
        create_index(
            self.env.cr,
            "crm_lead_crm_name_trgm_index",
            self._table,
            [LEAD_NAME_KEY_SQL.format(t=self._table) + " gin_trgm_ops"],
            method="gin",
        )
        return result

    def _crm_duplicate_depends(self):
        return ["partner_name", "contact_name", "email_from", "phone"]

    def _crm_duplicate_keys_query(self):
        return f"""
            SELECT id, email_normalized AS email, phone_sanitized AS phone,
                   {LEAD_NAME_KEY_SQL.format(t="crm_lead")} AS name_key
              FROM crm_lead
             WHERE id = ANY(%(ids)s)
        """

    def _crm_duplicate_query(self):
        name_key = LEAD_NAME_KEY_SQL.format(t="l")
        return f"""
            SELECT l.id,
                   COALESCE(l.email_normalized = %(email)s, FALSE),
                   COALESCE(l.phone_sanitized = %(phone)s, FALSE),
                   FALSE,
                   similarity({name_key}, %(name_key)s)
              FROM crm_lead l
             WHERE (l.email_normalized = %(email)s
                    OR l.phone_sanitized = %(phone)s
                    OR ({name_key} %% %(name_key)s
                        AND similarity({name_key}, %(name_key)s) >= %(threshold)s))
               AND l.id <> %(id)s
               AND l.active IS TRUE
             ORDER BY l.id
        """

    def action_crm_open_duplicates(self):
        """Open crm's merge wizard on this lead and its visible duplicates."""
        self.ensure_one()
        leads = self | self.crm_duplicate_ids
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge %(lead)s", lead=self.display_name),
            "res_model": "crm.merge.opportunity",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "crm.lead", "active_ids": leads.ids},
        }

    def action_crm_open_timeline(self):
        """Open the interaction timeline of this opportunity."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_core.crm_interaction_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["display_name"] = self.env._("Timeline of %(lead)s", lead=self.display_name)
        return action

    def action_crm_log_interaction(self):
        """Open the wizard logging a call or meeting on this opportunity."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_core.crm_log_interaction_action"
        )
        action["context"] = {
            "default_res_model": self._name,
            "default_res_id": self.id,
            "default_interaction_type": self.env.context.get("crm_interaction_type", "call"),
        }
        return action

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Link a lead created from an email to the customer owning the sender address.

        The sender address is compared in normalized form (case and spaces ignored)
        and must match exactly.
        """
        lead = super().message_new(msg_dict, custom_values=custom_values)
        if not lead.partner_id and lead.email_from:
            partners = self.env["res.partner"]._crm_find_by_email(lead.email_from)
            if len(partners) == 1:
                lead.partner_id = partners
        return lead
