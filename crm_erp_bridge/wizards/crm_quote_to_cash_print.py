from odoo import fields, models
from odoo.exceptions import UserError


class CrmQuoteToCashPrint(models.TransientModel):
    """Choice of the period and salespeople of the quote-to-cash PDF."""

    _name = "crm.quote.to.cash.print"
    _description = "Print Quote-to-Cash Report"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="First order date included.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=fields.Date.context_today,
        help="Last order date included.",
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Salespeople",
        help="Leave empty to include every salesperson.",
    )
    only_mismatch = fields.Boolean(
        string="Only Mismatches",
        help="Print only the orders whose figures do not match.",
    )

    def _get_report_domain(self):
        self.ensure_one()
        domain = [
            ("date_order", ">=", self.date_from),
            ("date_order", "<=", self.date_to),
        ]
        if self.user_ids:
            domain.append(("user_id", "in", self.user_ids.ids))
        if self.only_mismatch:
            domain.append(("has_mismatch", "=", True))
        return domain

    def action_print(self):
        """Print the PDF of the orders of the period."""
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(
                self.env._(
                    "The period start %(start)s is after its end %(end)s: swap "
                    "the dates.",
                    start=self.date_from,
                    end=self.date_to,
                )
            )
        lines = self.env["crm.quote.to.cash.report"].search(self._get_report_domain())
        if not lines:
            raise UserError(
                self.env._(
                    "No confirmed order between %(start)s and %(end)s matches "
                    "the selected salespeople.",
                    start=self.date_from,
                    end=self.date_to,
                )
            )
        period = {"date_from": str(self.date_from), "date_to": str(self.date_to)}
        return self.env.ref(
            "crm_erp_bridge.crm_quote_to_cash_report_action_pdf"
        ).report_action(lines, data=period)
