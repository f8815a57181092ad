import logging

from odoo import api, fields, models, modules
from odoo.tools import config

from ..tools.cron_cursor import CronCursor, process_batch

_logger = logging.getLogger(__name__)

# Records checked per cron batch; each record costs one indexed duplicate query.
DUPLICATE_BATCH_SIZE = 500

# Kinds of match between two records, in the order they are listed.
REASON_CODES = ("email", "phone", "vat", "name")


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
    reason_codes = fields.Char(
        readonly=True,
        help="Technical: comma-separated codes of what the two records have in common "
        "(email, phone, vat, name).",
    )
    reasons = fields.Char(
        compute="_compute_reasons", help="What the two records have in common."
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True, index=True)
    duplicate_company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    # The two leads of a lead pair, so that record rules can follow their
    # salespeople: a salesperson who sees only their own leads must not read
    # the name of a colleague's lead through the review list.
    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        compute="_compute_lead_ids",
        store=True,
        ondelete="cascade",
        index="btree_not_null",
        auto_join=True,
    )
    duplicate_lead_id = fields.Many2one(
        comodel_name="crm.lead",
        compute="_compute_lead_ids",
        store=True,
        ondelete="cascade",
        index="btree_not_null",
        auto_join=True,
    )
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

    @api.depends("reason_codes")
    @api.depends_context("lang")
    def _compute_reasons(self):
        # Labels are looked up when read, so each user sees them in their language.
        labels = {
            "email": self.env._("Email"),
            "phone": self.env._("Phone"),
            "vat": self.env._("Tax ID"),
            "name": self.env._("Similar name"),
        }
        for pair in self:
            codes = (pair.reason_codes or "").split(",")
            pair.reasons = ", ".join(labels[code] for code in codes if code in labels)

    @api.depends("model_name", "record_id", "duplicate_id")
    def _compute_lead_ids(self):
        lead_pairs = self.filtered(lambda pair: pair.model_name == "crm.lead")
        # exists() reads no field, so record rules do not hide a lead from it.
        existing = set(
            self.env["crm.lead"]
            .browse({i for pair in lead_pairs for i in (pair.record_id, pair.duplicate_id)})
            .exists()
            .ids
        )
        for pair in self:
            is_lead = pair.model_name == "crm.lead"
            pair.lead_id = pair.record_id if is_lead and pair.record_id in existing else False
            pair.duplicate_lead_id = (
                pair.duplicate_id if is_lead and pair.duplicate_id in existing else False
            )

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
            codes = ",".join(code for code in REASON_CODES if code in reasons)
            pair = existing_by_key.get((record_id, duplicate_id))
            if pair:
                if pair.reason_codes != codes:
                    pair.reason_codes = codes
                continue
            record, duplicate = by_id[record_id], by_id[duplicate_id]
            vals_list.append(
                {
                    "model_name": records._name,
                    "record_id": record_id,
                    "duplicate_id": duplicate_id,
                    "record_name": record.display_name,
                    "duplicate_name": duplicate.display_name,
                    "reason_codes": codes,
                    "company_id": record.company_id.id,
                    "duplicate_company_id": duplicate.company_id.id,
                }
            )
        self.sudo().create(vals_list)

    @api.model
    def _cron_detect_duplicates(self, batch_size=DUPLICATE_BATCH_SIZE):
        """Refresh the review list of duplicate contacts and leads.

        Runs daily. The id of the last checked record of each model is kept with
        the number of the pass (see ``CronCursor``), so that a run cut by a
        timeout resumes after it; the run that reaches the end starts the next
        pass. A second worker that finds a batch in progress leaves the pass to
        the first one.
        """
        in_test = config["test_enable"] or modules.module.current_test
        # The pass of each model when this run starts: a pass that another worker
        # finishes meanwhile is not started over by this run.
        cursors = {
            model_name: CronCursor(self.env, f"crm_core.duplicate_cursor.{model_name}")
            for model_name in ("res.partner", "crm.lead")
        }
        passes = {}
        for model_name, cursor in cursors.items():
            cursor.ensure()
            passes[model_name] = cursor.peek()[0]
        done = 0
        for model_name, cursor in cursors.items():
            model = self.env[model_name].sudo()
            joined_pass = passes[model_name]
            while True:
                position = cursor.lock()
                if position is None or position[0] != joined_pass:
                    # Another worker has locked the position or finished this pass.
                    break
                last_id = position[1]
                batch = model.search([("id", ">", last_id)], order="id", limit=batch_size)
                if not batch:
                    cursor.move(int(joined_pass or 0) + 1, 0)
                    if not in_test:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                    break
                self._crm_refresh_batch(batch)
                cursor.move(joined_pass, batch[-1].id)
                done += len(batch)
                remaining = model.search_count([("id", ">", batch[-1].id)])
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if not in_test:
                    # Commit each batch so that a timeout keeps the work done so far.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            if not in_test:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            cursor.done()
        _logger.info("Duplicate detection: %s records checked", done)
        return done

    def _crm_refresh_batch(self, records):
        """Refresh the pairs of ``records``, logging and skipping a record that fails."""
        process_batch(records, self._crm_refresh_for, "Duplicate check", _logger)

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
