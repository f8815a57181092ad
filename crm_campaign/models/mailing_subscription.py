from odoo import api, models


class MailingSubscription(models.Model):
    _inherit = "mailing.subscription"

    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions._log_consent()
        return subscriptions

    def write(self, vals):
        changed = self.browse()
        if "opt_out" in vals:
            changed = self.filtered(lambda sub: sub.opt_out != bool(vals["opt_out"]))
        result = super().write(vals)
        changed._log_consent()
        return result

    def _log_consent(self):
        if self.env.context.get("crm_campaign_skip_consent_log"):
            return
        consents = self.env["crm.consent"]
        # Public users change subscriptions through the links in mailings.
        default_channel = "email_link" if self.env.user._is_public() else "backend"
        channel = self.env.context.get("crm_campaign_consent_channel", default_channel)
        for subscription in self:
            consents._log(
                subscription.contact_id.email,
                "unsubscribed" if subscription.opt_out else "subscribed",
                channel,
                subscription.list_id,
            )
