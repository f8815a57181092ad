import re

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

# Models whose tables the segment subqueries read without the ORM.
SQL_SOURCE_MODELS = (
    "mailing.trace",
    "crm.tracking.event",
    "mail.blacklist",
    "mailing.subscription",
    "mailing.contact",
    "sale.order",
    "sale.order.line",
    "account.move",
)

TARGET_MODELS = [
    ("res.partner", "Contacts"),
    ("crm.lead", "Leads and opportunities"),
]


class CrmSegment(models.Model):
    _name = "crm.segment"
    _description = "Marketing segment"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        index=True,
        help="Leave empty to share the segment between companies.",
    )
    target_model = fields.Selection(
        TARGET_MODELS,
        string="Applies to",
        required=True,
        default="res.partner",
        help="Which records the segment selects: contacts or leads.",
    )
    match = fields.Selection(
        [("all", "All criteria"), ("any", "Any criterion")],
        required=True,
        default="all",
        help="Whether a member must match every criterion or at least one.",
    )
    criterion_ids = fields.One2many(
        "crm.segment.criterion", "segment_id", string="Criteria", copy=True
    )

    # Consent
    exclude_blacklisted = fields.Boolean(
        string="Exclude blocklisted",
        default=True,
        help="Leave out every email address on the global email blocklist.",
    )
    optout_list_ids = fields.Many2many(
        "mailing.list",
        string="Honour opt-outs of",
        help="Leave out every email address that unsubscribed from one of these "
        "mailing lists.",
    )

    # Live figures
    member_count = fields.Integer(
        string="Members", compute="_compute_member_count"
    )
    evaluation_error = fields.Char(
        compute="_compute_member_count",
        help="Why the segment cannot be evaluated, for example a missing application.",
    )

    @api.depends(
        "target_model",
        "match",
        "criterion_ids",
        "exclude_blacklisted",
        "optout_list_ids",
    )
    def _compute_member_count(self):
        for segment in self:
            segment.evaluation_error = False
            if not segment.id and not segment.criterion_ids:
                segment.member_count = 0
                continue
            try:
                domain = segment._get_member_domain()
            except UserError as error:
                segment.member_count = 0
                segment.evaluation_error = str(error)
                continue
            segment.member_count = (
                self.env[segment.target_model].sudo().search_count(domain)
            )

    # ------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------

    def _get_member_domain(self):
        """Compile the segment into one domain on its target model.

        Behaviour and ERP criteria become ``('id', 'in', SQL subquery)``
        terms, so PostgreSQL evaluates the whole segment in one query.

        :raises UserError: a criterion needs a module that is not installed
        """
        self.ensure_one()
        # The SQL subqueries read these tables directly: write pending changes.
        for model_name in SQL_SOURCE_MODELS:
            if model_name in self.env:
                self.env[model_name].flush_model()
        criterion_domains = [
            criterion._get_domain() for criterion in self.criterion_ids
        ]
        if not criterion_domains:
            domain = []
        elif self.match == "any":
            domain = expression.OR(criterion_domains)
        else:
            domain = expression.AND(criterion_domains)
        return expression.AND([domain, self._get_consent_domain()])

    def _get_consent_domain(self):
        self.ensure_one()
        domain = []
        if self.exclude_blacklisted:
            domain.append(("email_normalized", "not in", SQL(
                "(SELECT email FROM mail_blacklist"
                " WHERE active AND email IS NOT NULL)"
            )))
        if self.optout_list_ids:
            domain.append(("email_normalized", "not in", SQL(
                "(SELECT contact.email_normalized"
                "   FROM mailing_subscription subscription"
                "   JOIN mailing_contact contact"
                "     ON contact.id = subscription.contact_id"
                "  WHERE subscription.opt_out"
                "    AND subscription.list_id IN %s"
                "    AND contact.email_normalized IS NOT NULL)",
                tuple(self.optout_list_ids.ids),
            )))
        if domain:
            # A record without any email address cannot be opted out.
            domain = expression.OR([
                [("email_normalized", "=", False)],
                expression.AND([[term] for term in domain]),
            ])
        return domain

    def _search_members(self, limit=None):
        """Return the current members of the segment (as superuser records).

        Membership does not depend on the reader's access rights, so that a
        marketer without sales rights gets the same segment as a manager.
        """
        self.ensure_one()
        return self.env[self.target_model].sudo().search(
            self._get_member_domain(), limit=limit
        )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_preview_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Members of %(segment)s", segment=self.name),
            "res_model": self.target_model,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("crm_segment_ids", "in", self.ids)],
            "context": {"create": False},
        }

    def action_create_mailing(self):
        """Open a new mailing whose recipients are the segment's members."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New mailing"),
            "res_model": "mailing.mailing",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {
                "default_mailing_model_id": self.env["ir.model"]._get_id(
                    self.target_model
                ),
                "default_crm_segment_id": self.id,
                "default_subject": self._get_literal_subject(),
            },
        }

    def _get_literal_subject(self):
        """Return the segment name as a mailing subject that shows it as typed.

        A mailing subject is an inline template, in which ``{{ ... }}`` runs
        as code for each recipient. Inline templates have no escape for the
        braces, so a space is put between two braces of the name.
        """
        return re.sub(r"([{}])(?=[{}])", r"\1 ", self.name or "")

    # ------------------------------------------------------------
    # Membership field on the target models
    # ------------------------------------------------------------

    @api.model
    def _assign_segment_membership(self, records, field_name):
        """Set ``field_name`` of ``records`` to the segments they belong to,
        with one query per segment of their model."""
        # Segments of other companies stay out: the reader could not open them.
        segments = self.sudo().search([
            ("target_model", "=", records._name),
            ("company_id", "in", self.env.companies.ids + [False]),
        ])
        members_by_segment = {}
        for segment in segments:
            try:
                domain = segment._get_member_domain()
            except UserError:
                continue
            members_by_segment[segment.id] = set(
                records.sudo().search([("id", "in", records.ids)] + domain).ids
            )
        for record in records:
            record[field_name] = [
                segment_id
                for segment_id, member_ids in members_by_segment.items()
                if record.id in member_ids
            ]

    @api.model
    def _get_membership_search_domain(self, model_name, operator, value):
        """Return the domain of ``model_name`` records in the given segments."""
        if operator not in ("in", "=", "not in", "!="):
            raise UserError(self.env._(
                "Searching segments with the operator %(operator)s is not supported.",
                operator=operator,
            ))
        segment_ids = value if isinstance(value, list | tuple) else [value]
        segments = self.sudo().browse(
            [segment_id for segment_id in segment_ids if segment_id]
        ).filtered(lambda segment: segment.target_model == model_name)
        domains = [segment._get_member_domain() for segment in segments]
        domain = expression.OR(domains) if domains else expression.FALSE_DOMAIN
        if operator in ("not in", "!="):
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    # ------------------------------------------------------------
    # Personalisation
    # ------------------------------------------------------------

    @api.model
    def _get_placeholder_values(self, person_name=None, company=None,
                                company_name=None, salesperson=None, lang=None):
        """Return the ``crm_*`` placeholder values of a contact or lead.

        Every value falls back to something that reads well in a mail, so a
        template never shows "False" or an empty greeting.
        """
        env = self.with_context(lang=lang).env if lang else self.env
        first_name = (person_name or "").strip().split(" ")[0] if person_name else ""
        our_company = self.env.company
        if first_name:
            salutation = env._("Hello %(name)s", name=first_name)
        else:
            salutation = env._("Hello")
        return {
            "crm_first_name": first_name,
            "crm_salutation": salutation,
            "crm_company_name": (company.name if company else "") or company_name or "",
            "crm_salesperson_name": salesperson.name if salesperson else our_company.name,
            "crm_salesperson_email": (salesperson.email if salesperson else "")
            or our_company.email or "",
        }
