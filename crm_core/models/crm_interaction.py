from odoo import api, fields, models, tools

# Characters of the plain-text body kept as timeline summary; the full text stays on the source.
SUMMARY_LENGTH = 500
HTML_ENTITIES = [
    ("&nbsp;", " "),
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#39;", "''"),
    ("&amp;", "&"),
]


class CrmInteraction(models.Model):
    """Read-only timeline of everything that happened with a customer.

    The table is a PostgreSQL view over Odoo's own records: ``mail.message``
    (emails, notes, logged calls and meetings), ``calendar.event`` and what other
    modules add through ``_crm_interaction_queries``. Nothing is copied.
    """

    _name = "crm.interaction"
    _description = "Customer Interaction"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "name"
    # Pending ORM writes on these fields are flushed before the view is queried.
    _depends = {
        "mail.message": [
            "date",
            "message_type",
            "model",
            "res_id",
            "subtype_id",
            "is_internal",
            "mail_activity_type_id",
            "author_id",
            "subject",
            "record_name",
            "body",
        ],
        "calendar.event": [
            "start",
            "opportunity_id",
            "res_model",
            "res_id",
            "partner_ids",
            "user_id",
            "name",
            "description",
            "active",
        ],
        "crm.lead": ["partner_id", "company_id"],
        "res.partner": ["commercial_partner_id", "company_id"],
        "res.users": ["partner_id", "share"],
    }

    date = fields.Datetime(readonly=True)
    interaction_type = fields.Selection(
        selection=[
            ("email_in", "Email received"),
            ("email_out", "Email sent"),
            ("note", "Note"),
            ("call", "Call"),
            ("meeting", "Meeting"),
            ("activity", "Other activity"),
        ],
        string="Type",
        readonly=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        readonly=True,
        help="Commercial partner (company, or the person without a company).",
    )
    contact_id = fields.Many2one(comodel_name="res.partner", readonly=True)
    lead_id = fields.Many2one(comodel_name="crm.lead", string="Opportunity", readonly=True)
    user_id = fields.Many2one(comodel_name="res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    name = fields.Char(string="Subject", readonly=True)
    summary = fields.Text(readonly=True)
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Integer(string="Source Record ID", readonly=True)

    @api.model
    def _crm_flush_sources(self):
        """Flush pending writes of the source models before querying the view in SQL."""
        for model_name, field_names in self._depends.items():
            self.env[model_name].flush_model(field_names)

    @api.model
    def _crm_contact_interaction_types(self):
        """Return the interaction types that count as a contact with the customer.

        Notes are internal and do not count. Modules adding types extend the list.
        """
        return ["email_in", "email_out", "call", "meeting"]

    @api.model
    def _crm_plain_text_sql(self, column):
        """Return a SQL expression turning an HTML column into a short plain text.

        Tags are removed and the entities that Odoo's HTML sanitizer writes for
        plain characters are decoded; other entities stay as they are.
        """
        text = f"REGEXP_REPLACE(COALESCE({column}, ''), '<[^>]*>', ' ', 'g')"
        # &amp; comes last so that "&amp;lt;" becomes "&lt;", not "<".
        for entity, char in HTML_ENTITIES:
            text = f"REPLACE({text}, '{entity}', '{char}')"
        text = f"REGEXP_REPLACE({text}, '\\s+', ' ', 'g')"
        return f"LEFT(BTRIM({text}), {SUMMARY_LENGTH})"

    @api.model
    def _crm_message_user_sql(self):
        """Return the lateral join finding the internal user who wrote message ``m``."""
        return """
            LEFT JOIN LATERAL (
                SELECT u.id FROM res_users u
                 WHERE u.partner_id = m.author_id AND u.share IS NOT TRUE
                 ORDER BY u.id LIMIT 1
            ) author_user ON TRUE
        """

    @api.model
    def _crm_message_queries(self):
        """Return the parts over ``mail.message`` on customers and opportunities.

        Source code 1 covers emails and notes, source code 3 the messages Odoo
        writes when an activity is marked done (they carry ``mail_activity_type_id``).
        Each part is split by model so that PostgreSQL can use the
        ``(model, res_id)`` index when the view is filtered by customer.
        """
        body = self._crm_plain_text_sql("m.body")
        user_join = self._crm_message_user_sql()
        message_type = """
            CASE WHEN m.message_type = 'email' THEN 'email_in'
                 WHEN m.message_type = 'email_outgoing' THEN 'email_out'
                 WHEN st.id IS NOT NULL AND st.internal IS NOT TRUE
                      AND m.is_internal IS NOT TRUE THEN 'email_out'
                 ELSE 'note' END
        """
        activity_type = """
            CASE WHEN mat.category = 'phonecall' THEN 'call'
                 WHEN mat.category = 'meeting' THEN 'meeting'
                 ELSE 'activity' END
        """
        sources = {
            # model: (join to the customer record, lead column, company column)
            "res.partner": (
                "JOIN res_partner rp ON rp.id = m.res_id",
                "NULL::integer",
                "rp.company_id",
            ),
            "crm.lead": (
                "JOIN crm_lead l ON l.id = m.res_id "
                "LEFT JOIN res_partner rp ON rp.id = l.partner_id",
                "l.id",
                "l.company_id",
            ),
        }
        queries = []
        for model, (join, lead_column, company_column) in sources.items():
            queries.append(f"""
                SELECT m.id * 64 + 1 AS id,
                       m.date AS date,
                       {message_type} AS interaction_type,
                       rp.commercial_partner_id AS partner_id,
                       rp.id AS contact_id,
                       {lead_column} AS lead_id,
                       author_user.id AS user_id,
                       {company_column} AS company_id,
                       COALESCE(NULLIF(m.subject, ''), m.record_name) AS name,
                       {body} AS summary,
                       m.model AS res_model,
                       m.res_id AS res_id
                  FROM mail_message m
                  {join}
                  LEFT JOIN mail_message_subtype st ON st.id = m.subtype_id
                  {user_join}
                 WHERE m.model = '{model}'
                   AND m.mail_activity_type_id IS NULL
                   AND m.message_type IN ('email', 'email_outgoing', 'comment')
            """)
            queries.append(f"""
                SELECT m.id * 64 + 3 AS id,
                       m.date AS date,
                       {activity_type} AS interaction_type,
                       rp.commercial_partner_id AS partner_id,
                       rp.id AS contact_id,
                       {lead_column} AS lead_id,
                       author_user.id AS user_id,
                       {company_column} AS company_id,
                       COALESCE(NULLIF(m.subject, ''), mat.name->>'en_US') AS name,
                       {body} AS summary,
                       m.model AS res_model,
                       m.res_id AS res_id
                  FROM mail_message m
                  {join}
                  JOIN mail_activity_type mat ON mat.id = m.mail_activity_type_id
                  {user_join}
                 WHERE m.model = '{model}'
            """)
        return queries

    @api.model
    def _crm_calendar_query(self):
        """Return the part over calendar events (source code 2).

        An event belongs to its opportunity's customer, else to the partner it was
        planned from, else to its first attendee who is not an internal user.
        """
        description = self._crm_plain_text_sql("e.description")
        # A private event (or one following the organizer's private calendar)
        # shows its date only: Odoo's calendar hides its subject from others too.
        private = """COALESCE(e.privacy, (
                SELECT s.calendar_default_privacy FROM res_users_settings s
                 WHERE s.user_id = e.user_id LIMIT 1)) = 'private'"""
        return f"""
            SELECT e.id * 64 + 2 AS id,
                   e.start AS date,
                   'meeting' AS interaction_type,
                   rp.commercial_partner_id AS partner_id,
                   rp.id AS contact_id,
                   l.id AS lead_id,
                   e.user_id AS user_id,
                   COALESCE(l.company_id, rp.company_id) AS company_id,
                   CASE WHEN {private} THEN NULL ELSE e.name END AS name,
                   CASE WHEN {private} THEN NULL ELSE {description} END AS summary,
                   'calendar.event' AS res_model,
                   e.id AS res_id
              FROM calendar_event e
              LEFT JOIN crm_lead l ON l.id = e.opportunity_id
              LEFT JOIN LATERAL (
                  SELECT rel.res_partner_id AS id
                    FROM calendar_event_res_partner_rel rel
                   WHERE rel.calendar_event_id = e.id
                     AND NOT EXISTS (
                         SELECT 1 FROM res_users u
                          WHERE u.partner_id = rel.res_partner_id AND u.share IS NOT TRUE)
                   ORDER BY rel.res_partner_id
                   LIMIT 1
              ) attendee ON TRUE
              LEFT JOIN res_partner rp ON rp.id = COALESCE(
                  l.partner_id,
                  CASE WHEN e.res_model = 'res.partner' THEN e.res_id END,
                  attendee.id)
             WHERE e.active IS TRUE
               AND (rp.id IS NOT NULL OR l.id IS NOT NULL)
        """

    def _crm_interaction_queries(self):
        """Return the SQL SELECT statements whose UNION ALL is the timeline.

        Each statement returns the columns id, date, interaction_type, partner_id,
        contact_id, lead_id, user_id, company_id, name, summary, res_model, res_id
        in this order. Ids are ``source_id * 64 + source_code`` so that parts
        never collide; crm_core uses source codes 1 to 9.
        """
        return self._crm_message_queries() + [self._crm_calendar_query()]

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        union = "\nUNION ALL\n".join(f"({query})" for query in self._crm_interaction_queries())
        # The parts are SQL written by crm_core and the modules extending it, no user input.
        self.env.cr.execute(  # pylint: disable=sql-injection
            f"CREATE OR REPLACE VIEW {self._table} AS ({union})"
        )

    def action_open_source(self):
        """Open the record the interaction was logged on (customer, lead, meeting...)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "views": [(False, "form")],
            "target": "current",
        }
