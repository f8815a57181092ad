import logging

from odoo import api, fields, models, modules
from odoo.exceptions import ValidationError
from odoo.tools import config

from ..tools.cron_cursor import CronCursor, process_batch

_logger = logging.getLogger(__name__)

# Records updated per cron batch; each batch reads the records once and writes one UPDATE.
COMPLETENESS_BATCH_SIZE = 2000


class CrmRequiredField(models.Model):
    """A field that leads or partners should have filled, per stage or customer type."""

    _name = "crm.required.field"
    _description = "Required Field for Data Completeness"
    _order = "model_name, sequence, id"

    sequence = fields.Integer(default=10)
    model_name = fields.Selection(
        selection=[("crm.lead", "Lead"), ("res.partner", "Contact")],
        string="Applies To",
        required=True,
        default="res.partner",
    )
    field_id = fields.Many2one(
        comodel_name="ir.model.fields",
        required=True,
        ondelete="cascade",
        domain="[('model', '=', model_name), ('store', '=', True), "
        "('ttype', 'not in', ('binary', 'one2many'))]",
    )
    stage_id = fields.Many2one(
        comodel_name="crm.stage",
        string="Lead Stage",
        ondelete="cascade",
        help="For leads: required only in this stage. Empty means every stage.",
    )
    customer_type = fields.Selection(
        selection=[("company", "Company"), ("person", "Individual")],
        help="For contacts: required only for this type. Empty means both.",
    )
    company_id = fields.Many2one(comodel_name="res.company", index=True)

    @api.constrains("model_name", "field_id", "stage_id", "customer_type")
    def _check_scope(self):
        for rule in self:
            if rule.field_id.model != rule.model_name:
                raise ValidationError(
                    self.env._(
                        "Required field %(field)s belongs to %(field_model)s, not to %(model)s.",
                        field=rule.field_id.name,
                        field_model=rule.field_id.model,
                        model=rule.model_name,
                    )
                )
            if rule.model_name == "res.partner" and rule.stage_id:
                raise ValidationError(
                    self.env._(
                        "Required field %(field)s: a stage applies only to leads.",
                        field=rule.field_id.name,
                    )
                )
            if rule.model_name == "crm.lead" and rule.customer_type:
                raise ValidationError(
                    self.env._(
                        "Required field %(field)s: a customer type applies only to contacts.",
                        field=rule.field_id.name,
                    )
                )

    def _crm_applies_to(self, record):
        """Return whether this rule applies to ``record`` (a lead or partner)."""
        self.ensure_one()
        if self.company_id and record.company_id and record.company_id != self.company_id:
            return False
        if self.stage_id and record.stage_id != self.stage_id:
            return False
        if self.customer_type:
            is_company = record.is_company
            if (self.customer_type == "company") != is_company:
                return False
        return True

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def action_crm_update_completeness(self):
        """Recompute the completeness of all leads and contacts now (in the background)."""
        self.env.ref("crm_core.ir_cron_crm_data_quality")._trigger()
        return True

    @api.model
    def _cron_update_completeness(self, batch_size=COMPLETENESS_BATCH_SIZE):
        """Recompute the completeness of all contacts and leads, in batches.

        Runs daily and after a required field changes. The id of the last updated
        record of each model is kept with the number of the pass (see
        ``CronCursor``), so that a run cut by a timeout resumes after it; the run
        that reaches the end starts the next pass. A second worker that finds a
        batch in progress leaves the pass to the first one, and the rows of a
        batch are locked with SKIP LOCKED against other writers.
        """
        in_test = config["test_enable"] or modules.module.current_test
        # The pass of each model when this run starts: a pass that another worker
        # finishes meanwhile is not started over by this run.
        cursors = {
            model_name: CronCursor(self.env, f"crm_core.completeness_cursor.{model_name}")
            for model_name in ("res.partner", "crm.lead")
        }
        passes = {}
        for model_name, cursor in cursors.items():
            cursor.ensure()
            passes[model_name] = cursor.peek()[0]
        done = 0
        for model_name, cursor in cursors.items():
            model = self.env[model_name].sudo().with_context(active_test=False)
            joined_pass = passes[model_name]
            while True:
                position = cursor.lock()
                if position is None or position[0] != joined_pass:
                    # Another worker has locked the position or finished this pass.
                    break
                last_id = position[1]
                self.env.cr.execute(
                    f"""
                    SELECT id FROM {model._table}
                     WHERE id > %s
                     ORDER BY id LIMIT %s
                       FOR NO KEY UPDATE SKIP LOCKED
                    """,
                    [last_id, batch_size],
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
                if not ids:
                    cursor.move(int(joined_pass or 0) + 1, 0)
                    if not in_test:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                    break
                self._crm_update_completeness_batch(model.browse(ids))
                cursor.move(joined_pass, ids[-1])
                done += len(ids)
                remaining = model.search_count([("id", ">", ids[-1])])
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if not in_test:
                    # Commit each batch so that a timeout keeps the work done so far.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            if not in_test:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            cursor.done()
        _logger.info("Completeness: %s records updated", done)
        return done

    def _crm_update_completeness_batch(self, records):
        """Update the completeness of ``records``, skipping a record that fails."""
        process_batch(
            records, lambda batch: batch._crm_update_completeness(), "Completeness", _logger
        )
