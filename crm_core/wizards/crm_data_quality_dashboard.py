from odoo import api, fields, models

from ..models.res_partner import INACTIVE_DAYS


class CrmDataQualityDashboard(models.TransientModel):
    """Counts of duplicates, incomplete records and customers without activity."""

    _name = "crm.data.quality.dashboard"
    _description = "Data Quality Dashboard"

    duplicate_partner_count = fields.Integer(string="Duplicate Contacts", compute="_compute_counts")
    duplicate_lead_count = fields.Integer(string="Duplicate Leads", compute="_compute_counts")
    incomplete_partner_count = fields.Integer(
        string="Incomplete Contacts", compute="_compute_counts"
    )
    incomplete_lead_count = fields.Integer(string="Incomplete Leads", compute="_compute_counts")
    inactive_partner_count = fields.Integer(
        string="Customers Without Activity",
        compute="_compute_counts",
        help=f"Customers with no email, call, meeting or note in the last {INACTIVE_DAYS} days.",
    )

    @api.model
    def _crm_inactive_partner_domain(self):
        """Return the domain of customers (not users) without any recent interaction."""
        return [
            ("parent_id", "=", False),
            ("user_ids", "=", False),
            ("crm_without_activity", "=", True),
        ]

    def _compute_counts(self):
        pairs = self.env["crm.duplicate.pair"]._read_group(
            [("state", "=", "open")], groupby=["model_name"], aggregates=["__count"]
        )
        pair_counts = dict(pairs)
        partner, lead = self.env["res.partner"], self.env["crm.lead"]
        incomplete_partners = partner.search_count([("crm_completeness", "<", 100)])
        incomplete_leads = lead.search_count([("crm_completeness", "<", 100)])
        inactive = partner.search_count(self._crm_inactive_partner_domain())
        for dashboard in self:
            dashboard.duplicate_partner_count = pair_counts.get("res.partner", 0)
            dashboard.duplicate_lead_count = pair_counts.get("crm.lead", 0)
            dashboard.incomplete_partner_count = incomplete_partners
            dashboard.incomplete_lead_count = incomplete_leads
            dashboard.inactive_partner_count = inactive

    @api.model
    def action_open_dashboard(self):
        """Return the dashboard form on a new saved record, with its counts computed."""
        dashboard = self.create({})
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_core.crm_data_quality_dashboard_action"
        )
        action["res_id"] = dashboard.id
        return action

    def _crm_list_action(self, model, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": domain,
        }

    def action_open_duplicates(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_core.crm_duplicate_pair_action")
        return action

    def action_open_incomplete_partners(self):
        return self._crm_list_action(
            "res.partner", self.env._("Incomplete contacts"), [("crm_completeness", "<", 100)]
        )

    def action_open_incomplete_leads(self):
        return self._crm_list_action(
            "crm.lead", self.env._("Incomplete leads"), [("crm_completeness", "<", 100)]
        )

    def action_open_inactive_partners(self):
        return self._crm_list_action(
            "res.partner",
            self.env._("Customers without activity"),
            self._crm_inactive_partner_domain(),
        )
