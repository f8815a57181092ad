from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_helpdesk_portal_visibility = fields.Selection(
        [
            ("own", "Own Tickets"),
            ("followed", "Own and Followed Tickets"),
            ("company", "All Tickets of the Company"),
        ],
        string="Portal Ticket Visibility",
        default="own",
        help="Tickets the portal users of this customer can see. Contacts never "
        "see tickets of another customer, even ones they follow.",
    )
    crm_helpdesk_support_plan_id = fields.Many2one(
        "crm.helpdesk.support.plan",
        string="Support Plan",
        help="Support contract the customer bought; SLA policies can target it.",
    )
    crm_helpdesk_ticket_ids = fields.One2many(
        "crm.helpdesk.ticket", "partner_id", string="Tickets as Contact"
    )
    crm_helpdesk_open_ticket_count = fields.Integer(
        string="Open Tickets",
        compute="_compute_crm_helpdesk_figures",
        help="Open tickets of the customer and all its contacts.",
        groups="base.group_user",
    )
    # Labelled apart from the "Tickets" count of OCA helpdesk_mgmt on contacts.
    crm_helpdesk_ticket_count = fields.Integer(
        string="Support Tickets",
        compute="_compute_crm_helpdesk_figures",
        groups="base.group_user",
    )
    crm_helpdesk_breached_ticket_count = fields.Integer(
        string="Tickets Breaching SLA",
        compute="_compute_crm_helpdesk_figures",
        groups="base.group_user",
    )

    @api.depends_context("allowed_company_ids")
    def _compute_crm_helpdesk_figures(self):
        commercial_ids = self.commercial_partner_id.ids
        groups = (
            self.env["crm.helpdesk.ticket"]
            .sudo()
            ._read_group(
                # Tickets of companies the user has not enabled stay out of the count.
                [
                    ("commercial_partner_id", "in", commercial_ids),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["commercial_partner_id", "is_closed", "sla_status"],
                ["__count"],
            )
        )
        totals, opened, breached = {}, {}, {}
        for customer, is_closed, sla_status, count in groups:
            totals[customer.id] = totals.get(customer.id, 0) + count
            if not is_closed:
                opened[customer.id] = opened.get(customer.id, 0) + count
                if sla_status == "breached":
                    breached[customer.id] = breached.get(customer.id, 0) + count
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.crm_helpdesk_ticket_count = totals.get(key, 0)
            partner.crm_helpdesk_open_ticket_count = opened.get(key, 0)
            partner.crm_helpdesk_breached_ticket_count = breached.get(key, 0)

    def write(self, vals):
        result = super().write(vals)
        if "crm_helpdesk_portal_visibility" in vals:
            # The portal record rule reads this setting; cached rule domains
            # must be rebuilt.
            self.env.registry.clear_cache()
        return result

    @api.model
    def _crm_helpdesk_get_support_cost_by_partner(self, commercial_ids, date_from=None):
        """Return the support cost per customer, in company currency.

        Support cost is the time spent on tickets multiplied by the hourly rate
        of their team; crm_erp_bridge can read it for the account health.

        :param list commercial_ids: ids of commercial partners
        :param date date_from: only tickets opened on or after this date
        :return: {commercial_partner_id: cost}
        """
        domain = [
            ("commercial_partner_id", "in", list(commercial_ids)),
            ("company_id", "in", self.env.companies.ids),
        ]
        if date_from:
            domain.append(("date_open", ">=", date_from))
        groups = (
            self.env["crm.helpdesk.ticket"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(domain, ["commercial_partner_id"], ["support_cost:sum"])
        )
        return {customer.id: cost for customer, cost in groups}

    def action_view_crm_helpdesk_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_helpdesk.crm_helpdesk_ticket_action"
        )
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_filter_open": 1}
        return action
