import logging
from collections import defaultdict

import psycopg2
from psycopg2.extras import execute_values

from odoo import api, fields, models, modules
from odoo.exceptions import ValidationError
from odoo.tools import config
from odoo.tools.safe_eval import safe_eval

from ..tools.cron_cursor import CronCursor, process_batch

_logger = logging.getLogger(__name__)

# Records scored per cron batch: one query per field rule and one per event kind
# and batch, so larger batches mean fewer queries but longer row locks.
SCORE_BATCH_SIZE = 5000

SCORED_MODELS = [("crm.lead", "Lead"), ("res.partner", "Contact")]


class CrmScoreRule(models.Model):
    """Points a lead or contact earns for what it is (field criteria) or does (events)."""

    _name = "crm.score.rule"
    _description = "Lead Scoring Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(comodel_name="res.company", index=True)
    model_name = fields.Selection(
        selection=SCORED_MODELS,
        string="Applies To",
        required=True,
        default="crm.lead",
    )
    rule_type = fields.Selection(
        selection=[("field", "Field criteria"), ("event", "Behaviour event")],
        string="Kind",
        required=True,
        default="field",
    )
    domain = fields.Char(
        default="[]",
        help="Records matching this filter get the points, e.g. industry, country, "
        "company size, source or tags.",
    )
    event_type = fields.Selection(
        selection="_selection_event_type",
        help="Each event of this type gives the points.",
    )
    points = fields.Integer(
        required=True, default=10, help="Points per match or per event; may be negative."
    )
    max_points = fields.Integer(
        string="Maximum Points",
        help="Cap of the points this event rule gives in total; 0 means no cap.",
    )
    decay_days = fields.Integer(
        string="Decay (Days)",
        help="Event points shrink linearly to zero over this many days after the "
        "event; 0 keeps them forever.",
    )

    @api.model
    def _selection_event_type(self):
        return self.env["crm.score.event"]._fields["event_type"]._description_selection(self.env)

    @api.constrains("rule_type", "event_type", "domain", "model_name", "decay_days", "max_points")
    def _check_rule(self):
        for rule in self:
            if rule.rule_type == "event" and not rule.event_type:
                raise ValidationError(
                    self.env._(
                        "Scoring rule %(rule)s: choose the event type that gives the points.",
                        rule=rule.name,
                    )
                )
            if rule.decay_days < 0 or rule.max_points < 0:
                raise ValidationError(
                    self.env._(
                        "Scoring rule %(rule)s: decay days and maximum points cannot be negative.",
                        rule=rule.name,
                    )
                )
            if rule.rule_type == "field":
                try:
                    self.env[rule.model_name].search_count(rule._crm_get_domain(), limit=1)
                except Exception as error:  # any error of a user-typed domain is reported
                    raise ValidationError(
                        self.env._(
                            "Scoring rule %(rule)s: invalid filter %(domain)s (%(error)s).",
                            rule=rule.name,
                            domain=rule.domain,
                            error=error,
                        )
                    ) from error

    def _crm_get_domain(self):
        self.ensure_one()
        return safe_eval(self.domain or "[]", {"uid": self.env.uid})

    # ------------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------------

    def _crm_rules_for(self, records):
        company_ids = records.env.companies.ids if records else []
        return self.sudo().search(
            [
                ("model_name", "=", records._name),
                ("company_id", "in", [False] + company_ids),
            ]
        )

    def _crm_field_points(self, rules, records):
        """Return {record_id: [(rule_id, points, count)]} of the field rules."""
        matches = defaultdict(list)
        # Batches are consecutive ids: an id range is much cheaper for PostgreSQL than
        # a list of thousands of ids, and the few ids of the range outside the batch
        # are dropped below.
        record_ids = set(records.ids)
        id_range = [("id", ">=", min(record_ids)), ("id", "<=", max(record_ids))]
        # Search on the empty model, not on the batch: a filter on a monetary field
        # (expected_revenue >= 3000) rounds its value in the currency of the
        # recordset, and raises when the batch contains leads of several currencies.
        model = records.browse().with_context(active_test=False)
        for rule in rules.filtered(lambda r: r.rule_type == "field"):
            try:
                with self.env.cr.savepoint():
                    matching_ids = list(model._search(rule._crm_get_domain() + id_range))
            except (ValueError, KeyError, NameError, SyntaxError, psycopg2.Error) as error:
                # A field used by the filter may have been removed since the rule was saved.
                _logger.error(
                    "Scoring rule %s skipped: invalid filter %s (%s)", rule.id, rule.domain, error
                )
                continue
            # Read the rule's fields once, not once per matching record.
            line = (rule.id, rule.points, 1)
            for record_id in matching_ids:
                if record_id in record_ids:
                    matches[record_id].append(line)
        return matches

    def _crm_event_points(self, rules, records, now):
        """Return {record_id: [(rule_id, points, count)]} of the event rules, decayed at ``now``."""
        event_rules = rules.filtered(lambda r: r.rule_type == "event")
        matches = defaultdict(list)
        if not event_rules:
            return matches
        self.env["crm.score.event"].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["crm.lead"].flush_model(["partner_id"])
        if records._name == "crm.lead":
            # Events of the lead itself, plus events of its customer not tied to a lead.
            source = """
                SELECT l.id AS record_id, e.event_type, e.occurred_at
                  FROM crm_lead l JOIN crm_score_event e ON e.lead_id = l.id
                 WHERE l.id = ANY(%(ids)s)
                UNION ALL
                SELECT l.id, e.event_type, e.occurred_at
                  FROM crm_lead l
                  JOIN res_partner p ON p.id = l.partner_id
                  JOIN crm_score_event e ON e.commercial_partner_id = p.commercial_partner_id
                 WHERE l.id = ANY(%(ids)s) AND e.lead_id IS NULL
            """
        else:
            source = """
                SELECT p.id AS record_id, e.event_type, e.occurred_at
                  FROM res_partner p
                  JOIN crm_score_event e ON e.commercial_partner_id = p.commercial_partner_id
                 WHERE p.id = ANY(%(ids)s)
            """
        self.env.cr.execute(
            f"""
            SELECT ev.record_id, r.id, COUNT(*),
                   SUM(r.points * CASE
                       WHEN r.decay_days > 0 THEN GREATEST(0.0, 1.0
                           - EXTRACT(EPOCH FROM (%(now)s - ev.occurred_at))
                             / 86400.0 / r.decay_days)
                       ELSE 1.0 END)
              FROM ({source}) ev
              JOIN crm_score_rule r ON r.event_type = ev.event_type
             WHERE r.id = ANY(%(rule_ids)s) AND ev.occurred_at <= %(now)s
             GROUP BY ev.record_id, r.id
            """,
            {"ids": records.ids, "rule_ids": event_rules.ids, "now": now},
        )
        max_points = {rule.id: rule.max_points for rule in event_rules}
        for record_id, rule_id, count, points in self.env.cr.fetchall():
            points = float(points)
            if max_points[rule_id]:
                points = max(min(points, max_points[rule_id]), -max_points[rule_id])
            matches[record_id].append((rule_id, points, count))
        return matches

    def _crm_breakdown_formats(self, rules):
        """Return {rule_id: (sort key, label format)} for the breakdown lines.

        The label format takes ``count``; it is prepared once per batch because
        translating per line would cost more than the scoring itself.
        """
        event_labels = dict(self._selection_event_type())
        count_format = self.env._("%(count)s × %(event)s")
        decay_format = self.env._("%(detail)s, decaying over %(days)s days")
        formats = {}
        for rule in rules:
            name = rule.name.replace("%", "%%")
            if rule.rule_type == "event":
                detail = count_format % {
                    "count": "%(count)s",
                    "event": event_labels.get(rule.event_type, rule.event_type).replace("%", "%%"),
                }
                if rule.decay_days:
                    detail = decay_format % {"detail": detail, "days": rule.decay_days}
                label = f"{name} ({detail})"
            else:
                label = name
            formats[rule.id] = ((rule.sequence, rule.id), label)
        return formats

    @api.model
    def _crm_score_records(self, records, now=None):
        """Compute and store score, grade and breakdown of ``records`` set-based.

        ``records`` are crm.lead or res.partner records of one model. Leads whose
        score crosses a score automation threshold trigger that automation.

        :return: {record_id: (old_score, new_score)}
        """
        if not records:
            return {}
        now = now or fields.Datetime.now()
        rules = self._crm_rules_for(records)
        field_points = self._crm_field_points(rules, records)
        event_points = self._crm_event_points(rules, records, now)
        thresholds = records._crm_grade_thresholds()
        formats = self._crm_breakdown_formats(rules)
        self.env.cr.execute(
            f"SELECT id, crm_score, crm_grade, crm_score_breakdown FROM {records._table}"
            " WHERE id = ANY(%s)",
            [records.ids],
        )
        old_values = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        rows = []
        changes = {}
        for record_id in records.ids:
            lines = field_points.get(record_id, []) + event_points.get(record_id, [])
            lines.sort(key=lambda line: (-abs(line[1]), formats[line[0]][0]))
            score = round(sum(points for _rule_id, points, _count in lines))
            breakdown = "\n".join(
                f"{round(points):+d}  " + formats[rule_id][1] % {"count": count}
                for rule_id, points, count in lines
            )
            grade = records._crm_grade_for_score(score, thresholds)
            old_score, old_grade, old_breakdown = old_values.get(record_id, (None, None, None))
            if (old_score, old_grade, old_breakdown) != (score, grade, breakdown or None):
                rows.append((record_id, score, grade, breakdown or None, now))
            changes[record_id] = (old_score or 0, score)
        # One UPDATE per batch, of the changed records only: scores are derived data,
        # so writing them through the ORM (tracking, recomputes) would cost more than
        # the scoring itself.
        if rows:
            self._crm_write_scores(records._table, rows)
        records.invalidate_recordset(
            ["crm_score", "crm_grade", "crm_score_breakdown", "crm_score_date"]
        )
        if records._name == "crm.lead":
            self.env["crm.score.automation"].sudo()._crm_run_for_changes(records, changes)
        return changes

    def _crm_write_scores(self, table, rows):
        """Write rows (id, score, grade, breakdown, scored_on) into ``table`` in one UPDATE."""
        record_ids = [row[0] for row in rows]
        # The id range of the batch lets PostgreSQL fetch the rows to update through
        # the primary key. Joined on id alone, the VALUES list is hashed against a
        # scan of the whole table, whose cost grows with the table and not the batch.
        execute_values(
            self.env.cr._obj,
            f"""
            UPDATE {table} AS t
               SET crm_score = v.score, crm_grade = v.grade,
                   crm_score_breakdown = v.breakdown, crm_score_date = v.scored_on
              FROM (VALUES %s) AS v(id, score, grade, breakdown, scored_on)
             WHERE t.id = v.id
               AND t.id BETWEEN {int(min(record_ids))} AND {int(max(record_ids))}
            """,
            rows,
            template="(%s, %s, %s, %s, %s::timestamp)",
            page_size=len(rows),
        )

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_compute_scores(self, batch_size=SCORE_BATCH_SIZE, model_names=None):
        """Rescore active leads and all partners once a day, in batches.

        Runs daily. The id of the last scored record of each model is kept with
        the day of the pass (see ``CronCursor``), so that a run cut by a timeout
        resumes after it and a new day starts a new pass. A second worker that
        finds a batch in progress leaves the pass to the first one, and the rows
        of a batch are locked with SKIP LOCKED against other writers.

        :param int batch_size: records scored per batch and transaction
        :param list model_names: restrict to "crm.lead" or "res.partner"
        :return: number of records scored
        """
        today = str(fields.Date.today())
        in_test = config["test_enable"] or modules.module.current_test
        done = 0
        for model_name, extra_where in (("crm.lead", "AND active IS TRUE"), ("res.partner", "")):
            if model_names and model_name not in model_names:
                continue
            model = self.env[model_name].sudo().with_context(active_test=False)
            cursor = CronCursor(self.env, f"crm_core.score_cursor.{model_name}")
            cursor.ensure()
            remaining = None
            while True:
                position = cursor.lock()
                if position is None:
                    _logger.info(
                        "Lead scoring of %s: another worker is scoring, leaving the pass to it",
                        model_name,
                    )
                    break
                day, last_id = position
                if day != today:
                    last_id = 0
                if remaining is None:
                    self.env.cr.execute(
                        f"SELECT COUNT(*) FROM {model._table} WHERE id > %s {extra_where}",
                        [last_id],
                    )
                    remaining = self.env.cr.fetchone()[0]
                self.env.cr.execute(
                    f"""
                    SELECT id FROM {model._table}
                     WHERE id > %s {extra_where}
                     ORDER BY id LIMIT %s
                       FOR NO KEY UPDATE SKIP LOCKED
                    """,
                    [last_id, batch_size],
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
                if not ids:
                    break
                self._crm_score_batch(model.browse(ids))
                cursor.move(today, ids[-1])
                done += len(ids)
                remaining = max(remaining - len(ids), 0)
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if not in_test:
                    # Commit each batch so that a timeout keeps the work done so
                    # far. The commit also frees the cursor for another worker.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            if not in_test:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            cursor.done()
        _logger.info("Lead scoring: %s records scored", done)
        return done

    def _crm_score_batch(self, records):
        """Score ``records``, logging and skipping a record that fails so that it
        does not stop the pass."""
        process_batch(records, self._crm_score_records, "Lead scoring", _logger)
