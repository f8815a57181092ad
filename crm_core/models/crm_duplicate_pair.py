import logging

from odoo import api, fields, models, modules
from odoo.tools import config

_logger = logging.getLogger(__name__)

# Records checked per cron batch; each record costs one indexed duplicate query.
DUPLICATE_BATCH_SIZE = 500

REASON_LABELS = {"email": "Email", "phone": "Phone", "vat": "Tax ID", "name": "Similar name"}


class CrmDuplicatePair(models.Model):
    """Two leads or two contacts that look like the same customer, for review and merge."""

    _name = "crm.duplicate.pair"
    _description = "Possible Duplicate"
    _order = "model_name, record_id, duplicate_id"

    model_name = fields.Selection(
        selection=[("res.partner", "Contact"), ("crm.lead", "Lead")],
        string="Kind",
        required=True,
        readonly=True,
    )
    record_id = fields.Integer(required=True, readonly=True, index=True)
    duplicate_id = fields.Integer(required=True, readonly=True)
    record_name = fields.Char(readonly=True)
    duplicate_name = fields.Char(readonly=True)
    reasons = fields.Char(readonly=True, help="What the two records have in common.")
    company_id = fields.Many2one(comodel_name="res.company", readonly=True, index=True)
    duplicate_company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    state = fields.Selection(
        selection=[("open", "To review"), ("dismissed", "Not a duplicate")],
        default="open",
        required=True,
    )

    _sql_constraints = [
        (
            "pair_unique",
            "UNIQUE(model_name, record_id, duplicate_id)",
            "This pair of records is already listed.",
        ),
    ]

    @api.model
    def _crm_refresh_for(self, records):
        """Store the duplicate pairs of ``records`` (lower id first), keeping dismissed ones.

        Pairs whose records are no longer duplicates are removed, unless dismissed.
        """
        if not records:
            return
        found = records.sudo()._crm_find_duplicate_ids()
        pairs = {}
        for record_id, duplicates in found.items():
            for duplicate_id, reasons in duplicates.items():
                key = (min(record_id, duplicate_id), max(record_id, duplicate_id))
                pairs[key] = reasons
        existing = self.sudo().search(
            [
                ("model_name", "=", records._name),
                "|",
                ("record_id", "in", records.ids),
                ("duplicate_id", "in", records.ids),
            ]
        )
        existing_by_key = {(pair.record_id, pair.duplicate_id): pair for pair in existing}
        existing.filtered(
            lambda pair: pair.state == "open" and (pair.record_id, pair.duplicate_id) not in pairs
        ).unlink()
        model = self.env[records._name].sudo().with_context(active_test=False)
        all_records = model.browse({i for key in pairs for i in key})
        by_id = {record.id: record for record in all_records}
        vals_list = []
        for (record_id, duplicate_id), reasons in pairs.items():
            reason_text = ", ".join(REASON_LABELS[reason] for reason in reasons)
            pair = existing_by_key.get((record_id, duplicate_id))
            if pair:
                if pair.reasons != reason_text:
                    pair.reasons = reason_text
                continue
            record, duplicate = by_id[record_id], by_id[duplicate_id]
            vals_list.append(
                {
                    "model_name": records._name,
                    "record_id": record_id,
                    "duplicate_id": duplicate_id,
                    "record_name": record.display_name,
                    "duplicate_name": duplicate.display_name,
                    "reasons": reason_text,
                    "company_id": record.company_id.id,
                    "duplicate_company_id": duplicate.company_id.id,
                }
            )
        self.sudo().create(vals_list)

    @api.model
    def _cron_detect_duplicates(self, batch_size=DUPLICATE_BATCH_SIZE):
        """Refresh the review list of duplicate contacts and leads.

        Runs daily. The id of the last checked record of each model is kept in a
        system parameter so that a run cut by a timeout resumes after it; a full
        pass restarts from the first record.
        """
        in_test = config["test_enable"] or modules.module.current_test
        params = self.env["ir.config_parameter"].sudo()
        done = 0
        for model_name in ("res.partner", "crm.lead"):
            param = f"crm_core.duplicate_cursor.{model_name}"
            model = self.env[model_name].sudo()
            while True:
                last_id = int(params.get_param(param, 0))
                batch = model.search([("id", ">", last_id)], order="id", limit=batch_size)
                if not batch:
                    params.set_param(param, 0)
                    break
                self._crm_refresh_for(batch)
                params.set_param(param, batch[-1].id)
                done += len(batch)
                remaining = model.search_count([("id", ">", batch[-1].id)])
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if not in_test:
                    # Commit each batch so that a timeout keeps the work done so far.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.info("Duplicate detection: %s records checked", done)

    def action_merge(self):
        """Open Odoo's merge wizard (contacts) or crm's merge wizard (leads) on the pair."""
        self.ensure_one()
        records = self.env[self.model_name].browse([self.record_id, self.duplicate_id]).exists()
        return (
            records[:1].action_crm_open_duplicates()
            if len(records) < 2
            else {
                "type": "ir.actions.act_window",
                "name": self.env._("Merge duplicates"),
                "res_model": (
                    "base.partner.merge.automatic.wizard"
                    if self.model_name == "res.partner"
                    else "crm.merge.opportunity"
                ),
                "view_mode": "form",
                "target": "new",
                "context": {"active_model": self.model_name, "active_ids": records.ids},
            }
        )

    def action_dismiss(self):
        """Mark the pairs as not duplicates; the cron keeps them out of the review list."""
        self.write({"state": "dismissed"})
        return True
