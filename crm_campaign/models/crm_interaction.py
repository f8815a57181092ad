from odoo import api, fields, models


class CrmInteraction(models.Model):
    _inherit = "crm.interaction"

    interaction_type = fields.Selection(
        selection_add=[
            ("campaign_mail", "Marketing email"),
            ("web_behaviour", "Website behaviour"),
        ],
        ondelete={"campaign_mail": "cascade", "web_behaviour": "cascade"},
    )

    @api.model
    def _crm_interaction_queries(self):
        """Add marketing mails (source code 40) and tracked website behaviour
        (source code 41) to the customer timeline."""
        queries = super()._crm_interaction_queries()
        opened = """CONCAT_WS(', ',
                       CASE WHEN trace.open_datetime IS NOT NULL THEN 'opened' END,
                       CASE WHEN trace.links_click_datetime IS NOT NULL THEN 'clicked' END,
                       CASE WHEN trace.reply_datetime IS NOT NULL THEN 'replied' END)"""
        # One part per recipient model, so that each joins its own table.
        sources = {
            "res.partner": ("JOIN res_partner contact ON contact.id = trace.res_id",
                            "NULL::integer"),
            "crm.lead": ("JOIN crm_lead lead ON lead.id = trace.res_id"
                         " JOIN res_partner contact ON contact.id = lead.partner_id",
                         "lead.id"),
        }
        for model, (join, lead_column) in sources.items():
            queries.append(f"""
                SELECT trace.id * 64 + 40 AS id,
                       COALESCE(trace.sent_datetime, trace.create_date) AS date,
                       'campaign_mail' AS interaction_type,
                       contact.commercial_partner_id AS partner_id,
                       contact.id AS contact_id,
                       {lead_column} AS lead_id,
                       mailing.user_id AS user_id,
                       contact.company_id AS company_id,
                       mailing.subject AS name,
                       {opened} AS summary,
                       'mailing.trace' AS res_model,
                       trace.id AS res_id
                  FROM mailing_trace trace
                  JOIN mailing_mailing mailing ON mailing.id = trace.mass_mailing_id
                  {join}
                 WHERE trace.model = '{model}'
                   AND trace.trace_status NOT IN ('cancel', 'error', 'bounce')
            """)
        queries.append("""
            SELECT event.id * 64 + 41 AS id,
                   event.occurred_at AS date,
                   'web_behaviour' AS interaction_type,
                   contact.commercial_partner_id AS partner_id,
                   contact.id AS contact_id,
                   event.lead_id AS lead_id,
                   NULL::integer AS user_id,
                   contact.company_id AS company_id,
                   event.event_type AS name,
                   LEFT(event.url, 500) AS summary,
                   'crm.tracking.event' AS res_model,
                   event.id AS res_id
              FROM crm_tracking_event event
              JOIN res_partner contact ON contact.id = event.partner_id
        """)
        return queries
