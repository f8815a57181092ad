from odoo import api, fields, models

# Words of a knowledge base search that are looked up; the rest is ignored.
MAX_SEARCH_WORDS = 10


class CrmHelpdeskAnswer(models.Model):
    """Published answer of the knowledge base, searchable on the portal."""

    _name = "crm.helpdesk.answer"
    _description = "Helpdesk Knowledge Base Answer"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(string="Question", required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    body = fields.Html(string="Answer", translate=True, sanitize=True)
    keywords = fields.Char(
        translate=True, help="Extra words customers may search for, separated by spaces."
    )
    category_id = fields.Many2one("crm.helpdesk.category")
    is_published = fields.Boolean(
        string="Published", tracking=True, help="Visible to customers on the portal."
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    view_count = fields.Integer(readonly=True)

    @api.model
    def _get_portal_search_domain(self, search):
        """Return the domain of the published answers matching ``search``."""
        domain = [("is_published", "=", True)]
        # The search comes from public visitors: PostgreSQL rejects NUL
        # characters, and each word adds three ILIKE conditions to the query.
        words = (search or "").replace("\x00", "").split()[:MAX_SEARCH_WORDS]
        for word in words:
            domain += [
                "|",
                "|",
                ("name", "ilike", word),
                ("keywords", "ilike", word),
                ("body", "ilike", word),
            ]
        return domain
