from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

PROFILE_TYPES = [
    ("country", "Country"),
    ("tag", "Tag"),
    ("salesperson", "Salesperson"),
    ("domain", "Custom filter"),
]
BEHAVIOUR_TYPES = [
    ("email_opened", "Opened an email"),
    ("email_clicked", "Clicked a link in an email"),
    ("email_replied", "Replied to an email"),
    ("website_visit", "Visited a web page"),
    ("download", "Downloaded a document"),
    ("form_submit", "Submitted a form"),
    ("score", "Score at least"),
    ("grade", "Grade"),
]
ERP_TYPES = [
    ("bought_product", "Bought a product"),
    ("bought_category", "Bought from a product category"),
    ("ordered_recently", "Ordered within the period"),
    ("paid_late", "Has overdue invoices"),
    ("open_ticket", "Has an open ticket"),
]

# Mail trace column holding the date of each email behaviour. An opening is
# also implied by a click or a reply, because images may be blocked.
MAIL_TRACE_DATES = {
    "email_opened": "COALESCE(trace.open_datetime, trace.links_click_datetime,"
    " trace.reply_datetime)",
    "email_clicked": "trace.links_click_datetime",
    "email_replied": "trace.reply_datetime",
}
# Models that may hold support tickets, in order of preference.
TICKET_MODELS = ("crm.ticket", "crm.helpdesk.ticket")
# Grades crm_core gives, best first.
GRADES = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")]


class CrmSegmentCriterion(models.Model):
    _name = "crm.segment.criterion"
    _description = "Segment criterion"
    _order = "sequence, id"

    segment_id = fields.Many2one(
        "crm.segment", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    target_model = fields.Selection(related="segment_id.target_model")
    criterion_type = fields.Selection(
        PROFILE_TYPES + BEHAVIOUR_TYPES + ERP_TYPES,
        string="Criterion",
        required=True,
        default="email_opened",
    )
    operator = fields.Selection(
        [("is", "matches"), ("is_not", "does not match")],
        required=True,
        default="is",
        help="'does not match' keeps the records the criterion would select.",
    )
    days = fields.Integer(
        string="Within days",
        help="Only count behaviour of the last N days; 0 means at any time. "
        "For 'Ordered within the period' and 'Has overdue invoices' it is the "
        "period and the days past the due date.",
    )

    # Values, used depending on the criterion type
    country_ids = fields.Many2many("res.country", string="Countries")
    partner_tag_ids = fields.Many2many("res.partner.category", string="Contact tags")
    lead_tag_ids = fields.Many2many("crm.tag", string="Lead tags")
    user_ids = fields.Many2many("res.users", string="Salespeople")
    filter_domain = fields.Char(string="Filter", default="[]")
    mailing_id = fields.Many2one(
        "mailing.mailing",
        help="Only count this mailing; leave empty for any mailing.",
    )
    url_contains = fields.Char(
        string="Page or document contains",
        help="Only count visits or downloads whose address contains this text.",
    )
    score = fields.Integer()
    grades = fields.Char(
        help="Comma-separated grades to match, for example 'A,B'.",
    )
    erp_record = fields.Reference(
        selection="_selection_erp_record",
        string="Product or category",
    )
    description = fields.Char(compute="_compute_description")

    @api.model
    def _selection_erp_record(self):
        selection = []
        if "product.product" in self.env:
            selection.append(("product.product", self.env._("Product")))
        if "product.category" in self.env:
            selection.append(("product.category", self.env._("Product category")))
        return selection

    @api.depends("criterion_type", "operator", "days")
    def _compute_description(self):
        labels = dict(self._fields["criterion_type"]._description_selection(self.env))
        for criterion in self:
            text = labels.get(criterion.criterion_type, "")
            if criterion.operator == "is_not":
                text = self.env._("NOT %(criterion)s", criterion=text)
            if criterion.days:
                text = self.env._(
                    "%(criterion)s (%(days)s days)", criterion=text, days=criterion.days
                )
            criterion.description = text

    @api.constrains("criterion_type", "days", "score", "grades", "filter_domain")
    def _check_values(self):
        for criterion in self:
            if criterion.days < 0:
                raise ValidationError(self.env._(
                    "Segment %(segment)s: 'Within days' must be 0 or more, not "
                    "%(days)s.",
                    segment=criterion.segment_id.name,
                    days=criterion.days,
                ))
            if criterion.criterion_type == "grade":
                invalid = set(criterion._get_grades()) - {code for code, _ in GRADES}
                if invalid or not criterion._get_grades():
                    raise ValidationError(self.env._(
                        "Segment %(segment)s: grades must be a comma-separated "
                        "list of A, B, C or D, not '%(value)s'.",
                        segment=criterion.segment_id.name,
                        value=criterion.grades or "",
                    ))
            if criterion.criterion_type == "ordered_recently" and not criterion.days:
                raise ValidationError(self.env._(
                    "Segment %(segment)s: 'Ordered within the period' needs a "
                    "number of days.",
                    segment=criterion.segment_id.name,
                ))
            if criterion.criterion_type == "domain":
                criterion._get_filter_domain()

    def _get_grades(self):
        return [
            grade.strip().upper()
            for grade in (self.grades or "").split(",")
            if grade.strip()
        ]

    def _get_filter_domain(self):
        try:
            domain = safe_eval(self.filter_domain or "[]")
        except Exception as error:
            raise ValidationError(self.env._(
                "Segment %(segment)s: the custom filter '%(value)s' is not a valid "
                "domain: %(error)s",
                segment=self.segment_id.name,
                value=self.filter_domain,
                error=error,
            )) from error
        if not isinstance(domain, list):
            raise ValidationError(self.env._(
                "Segment %(segment)s: the custom filter '%(value)s' must be a list "
                "of conditions.",
                segment=self.segment_id.name,
                value=self.filter_domain,
            ))
        return domain

    def _since(self):
        if not self.days:
            return None
        return fields.Datetime.now() - timedelta(days=self.days)

    # ------------------------------------------------------------
    # Compilation into a domain
    # ------------------------------------------------------------

    def _get_domain(self):
        """Return the domain on the segment's target model for this criterion.

        :raises UserError: the criterion needs a module that is not installed
        """
        self.ensure_one()
        if self.criterion_type in MAIL_TRACE_DATES:
            return self._get_mail_trace_domain(negate=self.operator == "is_not")
        method = getattr(self, f"_get_domain_{self.criterion_type}")
        domain = method()
        if self.operator == "is_not":
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    def _is_lead(self):
        return self.segment_id.target_model == "crm.lead"

    def _get_domain_country(self):
        return [("country_id", "in", self.country_ids.ids)]

    def _get_domain_tag(self):
        if self._is_lead():
            return [("tag_ids", "in", self.lead_tag_ids.ids)]
        return [("category_id", "in", self.partner_tag_ids.ids)]

    def _get_domain_salesperson(self):
        return [("user_id", "in", self.user_ids.ids)]

    def _get_domain_domain(self):
        domain = self._get_filter_domain()
        if not domain:
            return [(1, "=", 1)]
        ids_query = self.env[self.segment_id.target_model].sudo()._search(domain)
        return [("id", "in", ids_query)]

    # Behaviour -------------------------------------------------------

    def _get_mail_trace_domain(self, negate=False):
        """Match the target's email against the mail traces, so that PostgreSQL
        hashes the traces once instead of joining the target table again."""
        since = self._since()
        date_sql = MAIL_TRACE_DATES[self.criterion_type]
        conditions = [SQL("trace.email IS NOT NULL"), SQL(f"{date_sql} IS NOT NULL")]
        if since:
            conditions.append(SQL(f"{date_sql} >= %s", since))
        if self.mailing_id:
            conditions.append(SQL("trace.mass_mailing_id = %s", self.mailing_id.id))
        emails = SQL(
            "(SELECT trace.email FROM mailing_trace trace WHERE %s)",
            SQL(" AND ").join(conditions),
        )
        if negate:
            # A record without an email address never received a mail.
            return [
                "|",
                ("email_normalized", "=", False),
                ("email_normalized", "not in", emails),
            ]
        return [("email_normalized", "in", emails)]

    def _get_tracking_event_domain(self):
        conditions = [SQL("event.event_type = %s", self.criterion_type)]
        since = self._since()
        if since:
            conditions.append(SQL("event.occurred_at >= %s", since))
        if self.url_contains:
            conditions.append(SQL("event.url ILIKE %s", f"%{self.url_contains}%"))
        where = SQL(" AND ").join(conditions)
        if self._is_lead():
            subquery = SQL(
                "(SELECT event.lead_id FROM crm_tracking_event event"
                "  WHERE event.lead_id IS NOT NULL AND %s"
                " UNION "
                " SELECT lead.id FROM crm_lead lead"
                "   JOIN crm_tracking_event event ON event.partner_id = lead.partner_id"
                "  WHERE %s)",
                where,
                where,
            )
        else:
            subquery = SQL(
                "(SELECT event.partner_id FROM crm_tracking_event event"
                "  WHERE event.partner_id IS NOT NULL AND %s)",
                where,
            )
        return [("id", "in", subquery)]

    _get_domain_website_visit = _get_tracking_event_domain
    _get_domain_download = _get_tracking_event_domain
    _get_domain_form_submit = _get_tracking_event_domain

    def _check_score_field(self, field_name):
        model = self.env[self.segment_id.target_model]
        field = model._fields.get(field_name)
        if not field or not (field.store or field.search):
            raise UserError(self.env._(
                "Segment %(segment)s: the criterion '%(criterion)s' needs the "
                "lead scoring of CRM Core (field %(field)s on %(model)s), which is "
                "not available.",
                segment=self.segment_id.name,
                criterion=self.description,
                field=field_name,
                model=model._description,
            ))

    def _get_domain_score(self):
        self._check_score_field("crm_score")
        return [("crm_score", ">=", self.score)]

    def _get_domain_grade(self):
        self._check_score_field("crm_grade")
        return [("crm_grade", "in", self._get_grades())]

    # ERP -------------------------------------------------------------

    def _require_model(self, model_name, module_label):
        if model_name not in self.env:
            raise UserError(self.env._(
                "Segment %(segment)s: the criterion '%(criterion)s' needs the "
                "%(module)s application, which is not installed.",
                segment=self.segment_id.name,
                criterion=self.description,
                module=module_label,
            ))

    def _commercial_partner_domain(self, commercial_ids_sql):
        field = "partner_id.commercial_partner_id" if self._is_lead() else (
            "commercial_partner_id"
        )
        return [(field, "in", commercial_ids_sql)]

    def _ordered_products_sql(self, product_condition):
        return SQL(
            "(SELECT customer.commercial_partner_id"
            "   FROM sale_order_line line"
            "   JOIN sale_order so ON so.id = line.order_id"
            "   JOIN res_partner customer ON customer.id = so.partner_id"
            "   JOIN product_product product ON product.id = line.product_id"
            "   JOIN product_template template"
            "     ON template.id = product.product_tmpl_id"
            "  WHERE so.state = 'sale' AND %s AND %s)",
            product_condition,
            SQL("so.date_order >= %s", self._since()) if self.days else SQL("TRUE"),
        )

    def _get_domain_bought_product(self):
        self._require_model("sale.order", self.env._("Sales"))
        record = self.erp_record
        if not record or record._name != "product.product":
            raise UserError(self.env._(
                "Segment %(segment)s: choose the product for '%(criterion)s'.",
                segment=self.segment_id.name,
                criterion=self.description,
            ))
        return self._commercial_partner_domain(
            self._ordered_products_sql(SQL("line.product_id = %s", record.id))
        )

    def _get_domain_bought_category(self):
        self._require_model("sale.order", self.env._("Sales"))
        record = self.erp_record
        if not record or record._name != "product.category":
            raise UserError(self.env._(
                "Segment %(segment)s: choose the product category for "
                "'%(criterion)s'.",
                segment=self.segment_id.name,
                criterion=self.description,
            ))
        category_ids = self.env["product.category"].sudo().search(
            [("id", "child_of", record.id)]
        ).ids
        return self._commercial_partner_domain(
            self._ordered_products_sql(
                SQL("template.categ_id IN %s", tuple(category_ids))
            )
        )

    def _get_domain_ordered_recently(self):
        self._require_model("sale.order", self.env._("Sales"))
        return self._commercial_partner_domain(SQL(
            "(SELECT customer.commercial_partner_id"
            "   FROM sale_order so"
            "   JOIN res_partner customer ON customer.id = so.partner_id"
            "  WHERE so.state = 'sale' AND so.date_order >= %s)",
            self._since(),
        ))

    def _get_domain_paid_late(self):
        self._require_model("account.move", self.env._("Invoicing"))
        due_before = fields.Date.context_today(self) - timedelta(days=self.days)
        return self._commercial_partner_domain(SQL(
            "(SELECT move.commercial_partner_id"
            "   FROM account_move move"
            "  WHERE move.move_type = 'out_invoice'"
            "    AND move.state = 'posted'"
            "    AND move.payment_state IN ('not_paid', 'partial')"
            "    AND move.invoice_date_due < %s"
            "    AND move.commercial_partner_id IS NOT NULL)",
            due_before,
        ))

    def _get_ticket_model(self):
        return next((name for name in TICKET_MODELS if name in self.env), None)

    def _get_open_ticket_domain(self, ticket_model):
        """Return the domain of the tickets still open, from the ticket's fields."""
        fields_map = self.env[ticket_model]._fields
        if "is_closed" in fields_map:
            return [("is_closed", "=", False)]
        if "stage_id" in fields_map and "fold" in self.env[
            fields_map["stage_id"].comodel_name
        ]._fields:
            return [("stage_id.fold", "=", False)]
        return []

    def _get_domain_open_ticket(self):
        ticket_model = self._get_ticket_model()
        if not ticket_model:
            raise UserError(self.env._(
                "Segment %(segment)s: the criterion '%(criterion)s' needs the "
                "CRM Helpdesk module, which is not installed.",
                segment=self.segment_id.name,
                criterion=self.description,
            ))
        tickets = self.env[ticket_model].sudo()
        ticket_query = tickets._search(
            [("partner_id", "!=", False)] + self._get_open_ticket_domain(ticket_model)
        )
        partner_query = self.env["res.partner"].sudo()._search(
            [("id", "in", ticket_query.subselect(
                SQL.identifier(tickets._table, "partner_id")
            ))]
        )
        return self._commercial_partner_domain(
            partner_query.subselect(
                SQL.identifier("res_partner", "commercial_partner_id")
            )
        )
