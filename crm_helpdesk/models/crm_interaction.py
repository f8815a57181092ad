from odoo import api, fields, models, tools

# Source codes of the helpdesk parts of the timeline (crm_helpdesk owns 20-29).
SOURCE_TICKET_OPENED = 20
SOURCE_TICKET_CLOSED = 21
SOURCE_TICKET_MESSAGE = 22


class CrmInteraction(models.Model):
    _inherit = "crm.interaction"

    interaction_type = fields.Selection(
        selection_add=[
            ("ticket_opened", "Ticket opened"),
            ("ticket_closed", "Ticket closed"),
        ],
        ondelete={"ticket_opened": "cascade", "ticket_closed": "cascade"},
    )

    @api.model
    def _crm_contact_interaction_types(self):
        # A customer opening a ticket is in touch with the company.
        return super()._crm_contact_interaction_types() + ["ticket_opened"]

    def _crm_interaction_queries(self):
        return super()._crm_interaction_queries() + self._crm_helpdesk_queries()

    @api.model
    def _crm_helpdesk_queries(self):
        """Return the timeline parts of tickets: opened, closed and public messages.

        While the module installs, the view can be rebuilt before the ticket
        table exists; the ticket model rebuilds it again once its table is there.
        """
        if not tools.sql.table_exists(self.env.cr, "crm_helpdesk_ticket"):
            return []
        description = self._crm_plain_text_sql("t.description")
        body = self._crm_plain_text_sql("m.body")
        ticket_columns = """
                   t.commercial_partner_id AS partner_id,
                   t.partner_id AS contact_id,
                   t.lead_id AS lead_id,
                   t.user_id AS user_id,
                   t.company_id AS company_id,
                   CONCAT(t.number, ' ', t.name) AS name,
        """
        return [
            f"""
            SELECT t.id * 64 + {SOURCE_TICKET_OPENED} AS id,
                   t.date_open AS date,
                   'ticket_opened' AS interaction_type,
                   {ticket_columns}
                   {description} AS summary,
                   'crm.helpdesk.ticket' AS res_model,
                   t.id AS res_id
              FROM crm_helpdesk_ticket t
             WHERE t.partner_id IS NOT NULL
            """,
            f"""
            SELECT t.id * 64 + {SOURCE_TICKET_CLOSED} AS id,
                   t.close_date AS date,
                   'ticket_closed' AS interaction_type,
                   {ticket_columns}
                   NULL AS summary,
                   'crm.helpdesk.ticket' AS res_model,
                   t.id AS res_id
              FROM crm_helpdesk_ticket t
             WHERE t.partner_id IS NOT NULL
               AND t.close_date IS NOT NULL
            """,
            # Mails of the customer and public answers of agents; internal
            # notes and system notifications stay out of the timeline.
            f"""
            SELECT m.id * 64 + {SOURCE_TICKET_MESSAGE} AS id,
                   m.date AS date,
                   CASE WHEN m.message_type = 'email' THEN 'email_in'
                        ELSE 'email_out' END AS interaction_type,
                   {ticket_columns}
                   {body} AS summary,
                   'crm.helpdesk.ticket' AS res_model,
                   t.id AS res_id
              FROM mail_message m
              JOIN crm_helpdesk_ticket t ON t.id = m.res_id
              LEFT JOIN mail_message_subtype st ON st.id = m.subtype_id
             WHERE m.model = 'crm.helpdesk.ticket'
               AND t.partner_id IS NOT NULL
               AND m.message_type IN ('email', 'comment')
               AND st.internal IS NOT TRUE
               AND m.is_internal IS NOT TRUE
            """,
        ]
