from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_segment_ids = fields.Many2many(
        "crm.segment",
        string="Segments",
        compute="_compute_crm_segment_ids",
        search="_search_crm_segment_ids",
    )
    crm_nurture_participant_ids = fields.One2many(
        "crm.nurture.participant", "lead_id", string="Nurturing sequences"
    )

    # Placeholders for personalised mails, each with a fallback
    crm_first_name = fields.Char(
        string="First name (mail)", compute="_compute_crm_placeholders"
    )
    crm_salutation = fields.Char(
        string="Salutation (mail)", compute="_compute_crm_placeholders"
    )
    crm_company_name = fields.Char(
        string="Company name (mail)", compute="_compute_crm_placeholders"
    )
    crm_salesperson_name = fields.Char(
        string="Salesperson name (mail)", compute="_compute_crm_placeholders"
    )
    crm_salesperson_email = fields.Char(
        string="Salesperson email (mail)", compute="_compute_crm_placeholders"
    )

    def _compute_crm_placeholders(self):
        for lead in self:
            company = lead.partner_id.commercial_partner_id if (
                lead.partner_id.parent_id or lead.partner_id.is_company
            ) else self.env["res.partner"]
            values = self.env["crm.segment"]._get_placeholder_values(
                person_name=lead.contact_name or (
                    lead.partner_id.name if not lead.partner_id.is_company else ""
                ),
                company=company,
                company_name=lead.partner_name,
                salesperson=lead.user_id,
                lang=lead.lang_id.code or lead.partner_id.lang,
            )
            lead.update(values)

    def _compute_crm_segment_ids(self):
        self.env["crm.segment"]._assign_segment_membership(self, "crm_segment_ids")

    @api.model
    def _search_crm_segment_ids(self, operator, value):
        return self.env["crm.segment"]._get_membership_search_domain(
            self._name, operator, value
        )
