import logging

from odoo import api, fields, models, tools

_logger = logging.getLogger(__name__)

# Minimum pg_trgm similarity (0 to 1) of two lower-cased, unaccented names to call
# them duplicates. Measured with pg_trgm on PostgreSQL 15: "Müller GmbH" and
# "Mueller GmbH" score 0.67, while "Schmidt GmbH" and "Schulz GmbH" score 0.47 and
# "Meier Logistik AG" and "Mueller Logistik AG" score 0.58.
NAME_SIMILARITY_THRESHOLD = 0.6


class CrmQualityMixin(models.AbstractModel):
    """Duplicate detection and completeness of leads and partners.

    Inheriting models implement ``_crm_duplicate_query`` and declare
    ``crm_duplicate_ids``.
    """

    _name = "crm.quality.mixin"
    _description = "Data Quality Fields"

    # Inheriting models declare crm_duplicate_ids (Many2many to themselves) with
    # this compute, because an abstract model cannot be the comodel.
    crm_duplicate_count = fields.Integer(
        string="Duplicates", compute="_compute_crm_duplicate_ids", groups="base.group_user"
    )
    crm_completeness = fields.Integer(
        string="Completeness (%)",
        readonly=True,
        copy=False,
        default=100,
        help="Share of the fields marked as required for this kind of record that are filled.",
        groups="base.group_user",
    )
    crm_missing_fields = fields.Char(
        string="Missing Fields",
        readonly=True,
        copy=False,
        help="Required fields (CRM data quality settings) that are empty.",
        groups="base.group_user",
    )

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _crm_duplicate_depends(self):
        """Return the fields compared by duplicate detection."""
        return []

    @api.depends(lambda self: self._crm_duplicate_depends())
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_crm_duplicate_ids(self):
        candidates = self._crm_find_duplicate_ids()
        # Search again as the current user: record rules and allowed companies hide
        # what the user may not see, so a duplicate in another company never shows.
        visible = set(
            self.search([("id", "in", list({i for ids in candidates.values() for i in ids}))]).ids
        )
        for record in self:
            duplicate_ids = [i for i in candidates.get(record.id, {}) if i in visible]
            record.crm_duplicate_ids = self.browse(duplicate_ids)
            record.crm_duplicate_count = len(duplicate_ids)

    def _crm_duplicate_keys_query(self):
        """Return the SQL reading the comparison keys of the records ``%(ids)s``.

        Rows are dictionaries with at least ``id``; the other columns are the
        parameters of ``_crm_duplicate_query``.
        """
        raise NotImplementedError

    def _crm_duplicate_query(self):
        """Return the SQL finding the duplicates of one record from its keys.

        It takes the key columns of ``_crm_duplicate_keys_query`` and ``%(threshold)s``
        as parameters and returns rows (duplicate_id, same_email, same_phone,
        same_vat, name_similarity). The keys are passed as constants so that
        PostgreSQL combines the indexes on each key with a bitmap OR.
        """
        raise NotImplementedError

    def _crm_find_duplicate_ids(self):
        """Return {record_id: {duplicate_id: [reasons]}} ignoring access rights.

        The caller filters what the user may see. Reasons are "email", "phone",
        "vat" and "name".
        """
        result = {}
        records = self.filtered("id")
        if not records:
            return result
        self.flush_model()
        # The % operator of pg_trgm filters by this setting and the trigram index uses
        # it too, so raising it from its default of 0.3 makes the index scan selective.
        # SET LOCAL lasts until the end of the transaction; Odoo's own searches do not
        # use the % operator.
        self.env.cr.execute(
            "SET LOCAL pg_trgm.similarity_threshold = %s", [NAME_SIMILARITY_THRESHOLD]
        )
        self.env.cr.execute(self._crm_duplicate_keys_query(), {"ids": records.ids})
        keys_by_id = {row["id"]: row for row in self.env.cr.dictfetchall()}
        query = self._crm_duplicate_query()
        for record in records:
            params = dict(keys_by_id[record.id], threshold=NAME_SIMILARITY_THRESHOLD)
            self.env.cr.execute(query, params)
            duplicates = {}
            for (
                duplicate_id,
                same_email,
                same_phone,
                same_vat,
                similarity,
            ) in self.env.cr.fetchall():
                reasons = [
                    reason
                    for reason, matched in (
                        ("email", same_email),
                        ("phone", same_phone),
                        ("vat", same_vat),
                        ("name", similarity >= NAME_SIMILARITY_THRESHOLD),
                    )
                    if matched
                ]
                duplicates[duplicate_id] = reasons
            result[record.id] = duplicates
        return result

    # ------------------------------------------------------------------
    # Completeness
    # ------------------------------------------------------------------

    def _crm_update_completeness(self):
        """Recompute and store completeness and missing fields of ``self``."""
        if not self:
            return
        rules = self.env["crm.required.field"].sudo().search([("model_name", "=", self._name)])
        rows = []
        for record in self.sudo().with_context(prefetch_fields=True):
            applicable = rules.filtered(lambda rule, record=record: rule._crm_applies_to(record))
            field_names = list(dict.fromkeys(applicable.field_id.mapped("name")))
            missing = [name for name in field_names if name in record._fields and not record[name]]
            completeness = (
                round(100 * (len(field_names) - len(missing)) / len(field_names))
                if field_names
                else 100
            )
            labels = ", ".join(
                record._fields[name].get_description(self.env)["string"] for name in missing
            )
            rows.append((completeness, labels or None, record.id, completeness, labels or None))
        # Rows already up to date are left alone: the daily cron then writes only
        # what changed, and a pass done twice writes nothing the second time.
        self.env.cr.executemany(
            f"UPDATE {self._table} SET crm_completeness = %s, crm_missing_fields = %s"
            " WHERE id = %s AND (crm_completeness IS DISTINCT FROM %s"
            " OR crm_missing_fields IS DISTINCT FROM %s)",
            rows,
        )
        self.invalidate_recordset(["crm_completeness", "crm_missing_fields"])

    @api.model
    @tools.ormcache("self._name")
    def _crm_completeness_trigger_fields(self):
        """Return the field names whose change can change the completeness.

        Cached; crm.required.field clears the cache when rules change.
        """
        rules = self.env["crm.required.field"].sudo().search([("model_name", "=", self._name)])
        return frozenset(rules.field_id.mapped("name")) | {"stage_id", "is_company", "company_id"}

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._crm_update_completeness()
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(vals) & self._crm_completeness_trigger_fields():
            self._crm_update_completeness()
        return result
