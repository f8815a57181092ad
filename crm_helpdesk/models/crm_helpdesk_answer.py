from odoo import api, fields, models


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
        for word in (search or "").split():
            domain += [
                "|",
                "|",
                ("name", "ilike", word),
                ("keywords", "ilike", word),
                ("body", "ilike", word),
            ]
        return domain
