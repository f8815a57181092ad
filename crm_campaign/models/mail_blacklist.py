from odoo import api, models


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for record in records:
            self.env["crm.consent"]._log(record.email, "blocklisted")
        return records

    def write(self, vals):
        changed = self.browse()
        if "active" in vals:
            changed = self.filtered(lambda entry: entry.active != bool(vals["active"]))
        result = super().write(vals)
        for record in changed:
            self.env["crm.consent"]._log(
                record.email, "blocklisted" if record.active else "unblocklisted"
            )
        return result
