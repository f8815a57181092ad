from odoo import api, models

# Time-based rules are checked at least this often (minutes) while a rule on
# opportunities is active, so follow-ups and reminders are at most this late.
# Odoo's default scales with the shortest delay and reaches 4 hours for
# day-based rules.
MAX_CHECK_INTERVAL_MINUTES = 15


class BaseAutomation(models.Model):
    _inherit = "base.automation"

    @api.model
    def _get_cron_interval(self, automations=None):
        interval = super()._get_cron_interval(automations)
        if automations is None:
            automations = self.with_context(active_test=True).search(
                [("trigger", "in", ["on_time", "on_time_created", "on_time_updated"])]
            )
        if any(rule.model_name == "crm.lead" for rule in automations):
            interval = min(interval, MAX_CHECK_INTERVAL_MINUTES)
        return interval
