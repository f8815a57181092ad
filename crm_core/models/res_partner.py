import logging
import re
from datetime import timedelta

import phonenumbers

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize
from odoo.tools.sql import create_index

_logger = logging.getLogger(__name__)

# Revenue of the "last 12 months" figure: a rolling window of 365 days ending today.
REVENUE_WINDOW_DAYS = 365

# A customer without any interaction for this many days counts as "without activity".
INACTIVE_DAYS = 180


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.score.mixin", "crm.quality.mixin"]

    # 360° view: ownership and last contact
    crm_account_manager_id = fields.Many2one(
        comodel_name="res.users",
        string="Account Manager",
        compute="_compute_crm_account_manager_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        help="Person responsible for the customer relationship. Defaults to the salesperson.",
    )
    crm_last_contact_date = fields.Datetime(
        string="Last Contact",
        compute="_compute_crm_last_contact",
        groups="base.group_user",
    )
    crm_last_contact_channel = fields.Selection(
        # The labels of the timeline's types (other modules add theirs), in the
        # reader's language: a callable selection is not translated by Odoo.
        selection=lambda self: self.env["crm.interaction"]
        ._fields["interaction_type"]
        ._description_selection(self.env),
        string="Last Contact Channel",
        compute="_compute_crm_last_contact",
        groups="base.group_user",
    )
    crm_last_contact_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Last Contact By",
        compute="_compute_crm_last_contact",
        groups="base.group_user",
    )
    # 360° view: next activity
    crm_next_activity_date = fields.Date(
        string="Next Activity",
        compute="_compute_crm_next_activity",
        groups="base.group_user",
    )
    crm_next_activity_summary = fields.Char(
        string="Customer Next Activity",
        compute="_compute_crm_next_activity",
        groups="base.group_user",
    )
    # 360° view: pipeline and revenue, in the company currency
    crm_currency_id = fields.Many2one(
        comodel_name="res.currency", string="360° Currency", compute="_compute_crm_currency_id"
    )
    crm_open_opportunity_count = fields.Integer(
        string="Open Opportunities",
        compute="_compute_crm_opportunity_figures",
        groups="base.group_user",
    )
    crm_open_opportunity_value = fields.Monetary(
        string="Weighted Pipeline",
        currency_field="crm_currency_id",
        compute="_compute_crm_opportunity_figures",
        help="Sum of expected revenue multiplied by probability of the open opportunities.",
        groups="base.group_user",
    )
    crm_lifetime_revenue = fields.Monetary(
        string="Lifetime Revenue",
        currency_field="crm_currency_id",
        compute="_compute_crm_revenue",
        groups="base.group_user",
    )
    crm_revenue_12m = fields.Monetary(
        string="Revenue (12 Months)",
        currency_field="crm_currency_id",
        compute="_compute_crm_revenue",
        groups="base.group_user",
    )

    crm_without_activity = fields.Boolean(
        string="Without Activity",
        compute="_compute_crm_without_activity",
        search="_search_crm_without_activity",
        help=f"No email, call, meeting or note with the customer in the last {INACTIVE_DAYS} days.",
        groups="base.group_user",
    )

    # Data quality: normalized keys compared by duplicate detection
    crm_phone_normalized = fields.Char(
        string="Normalized Phone",
        compute="_compute_crm_phone_normalized",
        store=True,
        index="btree_not_null",
        help="Phone in E.164 format, read in the contact's country.",
    )
    crm_mobile_normalized = fields.Char(
        string="Normalized Mobile",
        compute="_compute_crm_phone_normalized",
        store=True,
        index="btree_not_null",
    )
    crm_vat_normalized = fields.Char(
        string="Normalized Tax ID",
        compute="_compute_crm_vat_normalized",
        store=True,
        index="btree_not_null",
    )
    crm_duplicate_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Possible Duplicates",
        compute="_compute_crm_duplicate_ids",
        groups="base.group_user",
    )

    def init(self):
        result = super().init()
        # Trigram index for name similarity; crm_core_unaccent is created by the pre-init hook.
        create_index(
            self.env.cr,
            "res_partner_crm_name_trgm_index",
            self._table,
            ["crm_core_unaccent(lower(name)) gin_trgm_ops"],
            method="gin",
        )
        # mail stores email_normalized on partners without an index; duplicate search needs one.
        create_index(
            self.env.cr,
            "res_partner_crm_email_normalized_index",
            self._table,
            ["email_normalized"],
            where="email_normalized IS NOT NULL",
        )
        return result

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("phone", "mobile", "country_id", "company_id")
    def _compute_crm_phone_normalized(self):
        for partner in self:
            country = partner.country_id or partner.company_id.country_id
            partner.crm_phone_normalized = self._crm_normalize_phone(partner.phone, country)
            partner.crm_mobile_normalized = self._crm_normalize_phone(partner.mobile, country)

    @api.depends("vat")
    def _compute_crm_vat_normalized(self):
        for partner in self:
            vat = re.sub(r"[^0-9A-Za-z]", "", partner.vat or "").upper()
            partner.crm_vat_normalized = vat or False

    @api.depends("user_id")
    def _compute_crm_account_manager_id(self):
        for partner in self:
            partner.crm_account_manager_id = partner.crm_account_manager_id or partner.user_id

    @api.depends_context("company")
    def _compute_crm_currency_id(self):
        for partner in self:
            partner.crm_currency_id = self.env.company.currency_id

    def _crm_commercial_ids(self):
        """Return the ids of the commercial partners of ``self`` (saved records only)."""
        return list(
            {
                partner.commercial_partner_id.id
                for partner in self
                if partner.commercial_partner_id.id
            }
        )

    @api.depends_context("allowed_company_ids")
    def _compute_crm_last_contact(self):
        commercial_ids = self._crm_commercial_ids()
        last_by_partner = {}
        if commercial_ids:
            self.env["crm.interaction"]._crm_flush_sources()
            self.env.cr.execute(
                """
                SELECT DISTINCT ON (partner_id) partner_id, date, interaction_type, user_id
                  FROM crm_interaction
                 WHERE partner_id = ANY(%s)
                   AND interaction_type = ANY(%s)
                   AND date <= %s
                   AND (company_id IS NULL OR company_id = ANY(%s))
                 ORDER BY partner_id, date DESC, id DESC
                """,
                [
                    commercial_ids,
                    self.env["crm.interaction"]._crm_contact_interaction_types(),
                    fields.Datetime.now(),
                    self.env.companies.ids,
                ],
            )
            last_by_partner = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        users = self.env["res.users"].browse({row[2] for row in last_by_partner.values() if row[2]})
        for partner in self:
            date, channel, user_id = last_by_partner.get(
                partner.commercial_partner_id.id, (False, False, False)
            )
            partner.crm_last_contact_date = date
            partner.crm_last_contact_channel = channel
            partner.crm_last_contact_user_id = users.browse(user_id) if user_id else False

    @api.depends_context("allowed_company_ids")
    def _compute_crm_next_activity(self):
        commercial_ids = self._crm_commercial_ids()
        activity_by_partner = {}
        if commercial_ids:
            self.env["mail.activity"].flush_model(
                ["res_model", "res_id", "active", "date_deadline"]
            )
            self.env["crm.lead"].flush_model(["partner_id", "active", "company_id"])
            self.env["res.partner"].flush_model(["commercial_partner_id"])
            self.env.cr.execute(
                """
                SELECT DISTINCT ON (commercial_id) commercial_id, activity_id
                  FROM (
                      SELECT p.commercial_partner_id AS commercial_id, a.id AS activity_id,
                             a.date_deadline
                        FROM mail_activity a
                        JOIN res_partner p ON p.id = a.res_id
                       WHERE a.res_model = 'res.partner' AND a.active IS TRUE
                         AND p.commercial_partner_id = ANY(%(ids)s)
                      UNION ALL
                      SELECT p.commercial_partner_id, a.id, a.date_deadline
                        FROM mail_activity a
                        JOIN crm_lead l ON l.id = a.res_id
                        JOIN res_partner p ON p.id = l.partner_id
                       WHERE a.res_model = 'crm.lead' AND a.active IS TRUE AND l.active IS TRUE
                         AND p.commercial_partner_id = ANY(%(ids)s)
                         AND (l.company_id IS NULL OR l.company_id = ANY(%(companies)s))
                  ) activities
                 ORDER BY commercial_id, date_deadline, activity_id
                """,
                {"ids": commercial_ids, "companies": self.env.companies.ids},
            )
            activity_by_partner = dict(self.env.cr.fetchall())
        activities = self.env["mail.activity"].sudo().browse(activity_by_partner.values())
        for partner in self:
            activity = activities.browse(activity_by_partner.get(partner.commercial_partner_id.id))
            partner.crm_next_activity_date = activity.date_deadline
            partner.crm_next_activity_summary = (
                (activity.summary or activity.activity_type_id.name) if activity else False
            )

    def _crm_recent_interaction_sql(self):
        """Return the SQL selecting customers with an interaction in the last INACTIVE_DAYS."""
        self.env["crm.interaction"]._crm_flush_sources()
        since = fields.Datetime.now() - timedelta(days=INACTIVE_DAYS)
        return SQL(
            "(SELECT partner_id FROM crm_interaction WHERE date >= %s AND partner_id IS NOT NULL)",
            since,
        )

    def _compute_crm_without_activity(self):
        commercial_ids = self._crm_commercial_ids()
        active_ids = set()
        if commercial_ids:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM res_partner WHERE id = ANY(%s) AND id IN %s",
                    commercial_ids,
                    self._crm_recent_interaction_sql(),
                )
            )
            active_ids = {row[0] for row in self.env.cr.fetchall()}
        for partner in self:
            partner.crm_without_activity = partner.commercial_partner_id.id not in active_ids

    def _search_crm_without_activity(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._(
                    "Invalid search on 'Without Activity': use = or != with True or False, "
                    "not %(operator)s %(value)r.",
                    operator=operator,
                    value=value,
                )
            )
        without = (operator == "=") == value
        return [
            (
                "commercial_partner_id",
                "not in" if without else "in",
                self._crm_recent_interaction_sql(),
            )
        ]

    def _crm_open_opportunity_domain(self, commercial_ids):
        """Return the domain of open opportunities of the given commercial partners."""
        return [
            ("partner_id.commercial_partner_id", "in", commercial_ids),
            ("type", "=", "opportunity"),
            ("active", "=", True),
            ("probability", "<", 100),
            ("company_id", "in", self.env.companies.ids + [False]),
        ]

    @api.depends_context("allowed_company_ids")
    def _compute_crm_opportunity_figures(self):
        # Figures cover every salesperson's opportunities of the allowed companies.
        # Opening the list itself still applies the user's record rules.
        commercial_ids = self._crm_commercial_ids()
        figures = {}
        if commercial_ids:
            groups = (
                self.env["crm.lead"]
                .sudo()
                ._read_group(
                    self._crm_open_opportunity_domain(commercial_ids),
                    groupby=["partner_id"],
                    aggregates=["__count", "prorated_revenue:sum"],
                )
            )
            for contact, count, weighted in groups:
                commercial_id = contact.commercial_partner_id.id
                total_count, total_value = figures.get(commercial_id, (0, 0.0))
                figures[commercial_id] = (total_count + count, total_value + weighted)
        for partner in self:
            count, value = figures.get(partner.commercial_partner_id.id, (0, 0.0))
            partner.crm_open_opportunity_count = count
            partner.crm_open_opportunity_value = value

    @api.depends_context("allowed_company_ids")
    def _compute_crm_revenue(self):
        commercial_ids = self._crm_commercial_ids()
        lifetime = self._crm_get_revenue_by_partner(commercial_ids) if commercial_ids else {}
        date_from = fields.Date.context_today(self) - timedelta(days=REVENUE_WINDOW_DAYS)
        recent = (
            self._crm_get_revenue_by_partner(commercial_ids, date_from=date_from)
            if commercial_ids
            else {}
        )
        for partner in self:
            commercial_id = partner.commercial_partner_id.id
            partner.crm_lifetime_revenue = lifetime.get(commercial_id, 0.0)
            partner.crm_revenue_12m = recent.get(commercial_id, 0.0)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    @api.model
    def _crm_get_revenue_by_partner(self, commercial_ids, date_from=None):
        """Return the revenue of each commercial partner in the company currency.

        crm_core counts the expected revenue of won opportunities closed on or after
        ``date_from``. Modules with invoicing override this hook.

        :param list commercial_ids: ids of commercial partners
        :param date date_from: first day counted, or None for the whole history
        :return: {commercial_partner_id: amount}
        """
        domain = [
            ("partner_id.commercial_partner_id", "in", commercial_ids),
            ("probability", "=", 100),
            ("stage_id.is_won", "=", True),
            ("company_id", "in", self.env.companies.ids + [False]),
        ]
        if date_from:
            domain.append(("date_closed", ">=", fields.Datetime.to_datetime(date_from)))
        revenue = {}
        groups = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(domain, groupby=["partner_id"], aggregates=["expected_revenue:sum"])
        )
        for contact, amount in groups:
            commercial_id = contact.commercial_partner_id.id
            revenue[commercial_id] = revenue.get(commercial_id, 0.0) + amount
        return revenue

    def _crm_duplicate_depends(self):
        return ["name", "email", "phone", "mobile", "vat", "country_id", "parent_id"]

    def _crm_duplicate_keys_query(self):
        return """
            SELECT id, parent_id, email_normalized AS email, crm_vat_normalized AS vat,
                   crm_core_unaccent(lower(COALESCE(name, ''))) AS name_key,
                   ARRAY_REMOVE(ARRAY[crm_phone_normalized, crm_mobile_normalized], NULL)
                       AS phones
              FROM res_partner
             WHERE id = ANY(%(ids)s)
        """

    def _crm_duplicate_query(self):
        # The contact's own company and its own contacts are related, not duplicates.
        return """
            SELECT p.id,
                   COALESCE(p.email_normalized = %(email)s, FALSE),
                   COALESCE(p.crm_phone_normalized = ANY(%(phones)s)
                            OR p.crm_mobile_normalized = ANY(%(phones)s), FALSE),
                   COALESCE(p.crm_vat_normalized = %(vat)s, FALSE),
                   similarity(crm_core_unaccent(lower(p.name)), %(name_key)s)
              FROM res_partner p
             WHERE (p.email_normalized = %(email)s
                    OR p.crm_phone_normalized = ANY(%(phones)s)
                    OR p.crm_mobile_normalized = ANY(%(phones)s)
                    OR p.crm_vat_normalized = %(vat)s
                    OR (crm_core_unaccent(lower(p.name)) %% %(name_key)s
                        AND similarity(crm_core_unaccent(lower(p.name)), %(name_key)s)
                            >= %(threshold)s))
               AND p.id <> %(id)s
               AND p.active IS TRUE
               AND p.id IS DISTINCT FROM %(parent_id)s
               AND p.parent_id IS DISTINCT FROM %(id)s
             ORDER BY p.id
        """

    # ------------------------------------------------------------------
    # Normalization helpers
    # ------------------------------------------------------------------

    @api.model
    def _crm_normalize_email(self, value):
        """Return the comparable form of an email address (lower case, no spaces), or False."""
        if not value:
            return False
        return email_normalize(re.sub(r"\s+", "", value)) or False

    @api.model
    def _crm_normalize_phone(self, value, country=None):
        """Return a phone number in E.164 format, or False when it is not a number.

        A national number is read in ``country`` (a res.country record), else in the
        company's country. A number that phonenumbers cannot parse or that is not a
        possible number returns False.
        """
        if not value:
            return False
        country = country or self.env.company.country_id
        region = country.code.upper() if country and country.code else None
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return False
        if not phonenumbers.is_possible_number(number):
            return False
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @api.model
    def _crm_find_by_email(self, email):
        """Return the partners whose normalized email equals the normalized ``email``.

        The comparison is an exact match: a partner whose address merely contains
        the searched one (``doe@example.com`` inside ``john.doe@example.com``) is
        not returned. Record rules of the current user apply.
        """
        normalized = self._crm_normalize_email(email)
        if not normalized:
            return self.browse()
        return self.search([("email_normalized", "=", normalized)])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_crm_open_timeline(self):
        """Open the interaction timeline of the customer (contacts roll up to the company)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_core.crm_interaction_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        action["display_name"] = self.env._(
            "Timeline of %(customer)s", customer=self.commercial_partner_id.display_name
        )
        return action

    def action_crm_open_opportunities(self):
        """Open the open opportunities counted in the 360° view."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = self._crm_open_opportunity_domain([self.commercial_partner_id.id])
        action["context"] = {"default_partner_id": self.id, "default_type": "opportunity"}
        return action

    def action_crm_open_duplicates(self):
        """Open Odoo's partner merge wizard on this contact and its visible duplicates."""
        self.ensure_one()
        partners = self | self.crm_duplicate_ids
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge %(contact)s", contact=self.display_name),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "res.partner", "active_ids": partners.ids},
        }

    def action_crm_log_interaction(self):
        """Open the wizard logging a call or meeting with this contact."""
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
