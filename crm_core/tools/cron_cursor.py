"""Resume point of a batch cron, shared by every worker that runs it.

A cron that walks a table in id order keeps its position in one
``ir.config_parameter`` row, as ``"<pass>:<last id>"``. A worker locks that row
(``FOR NO KEY UPDATE SKIP LOCKED``) for the whole of a batch and moves it in the
same transaction as the batch's work. So two workers never take the same batch:
the one that finds the row locked leaves the pass to the other. A worker killed
in the middle of a batch leaves the position before that batch, and the next
run does the batch again.

NOTE: crons that also lock the rows of a batch with SKIP LOCKED move past a
row that a user's transaction holds at that moment, so that row waits for the
next pass.
"""

import logging

from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import mute_logger

_logger = logging.getLogger(__name__)


class CronCursor:
    """Position of one cron in its current pass over one table."""

    def __init__(self, env, key):
        self.env = env
        self.key = key
        self.moved = False

    def ensure(self):
        """Create the parameter row, positioned before the first id, unless it exists."""
        # Values set through the ORM (set_param) must reach the queries below.
        self.env["ir.config_parameter"].flush_model()
        self.env.cr.execute("SELECT 1 FROM ir_config_parameter WHERE key = %s", [self.key])
        if self.env.cr.fetchone():
            return
        try:
            # Two workers starting the very first run insert the row together:
            # the second one fails on the first one's row, then finds it locked.
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    INSERT INTO ir_config_parameter
                           (key, value, create_uid, create_date, write_uid, write_date)
                    VALUES (%s, '', %s, now() at time zone 'UTC',
                            %s, now() at time zone 'UTC')
                    ON CONFLICT (key) DO NOTHING
                    """,
                    [self.key, self.env.uid, self.env.uid],
                )
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
            _logger.info("Cron cursor %s was created by another worker (%s)", self.key, error)

    def lock(self):
        """Lock the row until the end of the transaction.

        :return: (pass, last id), or None when another worker holds the row or
            moved it since this transaction started
        """
        self.env["ir.config_parameter"].flush_model()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT value FROM ir_config_parameter WHERE key = %s"
                    " FOR NO KEY UPDATE SKIP LOCKED",
                    [self.key],
                )
                row = self.env.cr.fetchone()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            return None
        if row is None:
            return None
        return self._parse(row[0])

    def peek(self):
        """Return (pass, last id) without locking the row, or ("", 0) if it is missing."""
        self.env["ir.config_parameter"].flush_model()
        self.env.cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [self.key])
        row = self.env.cr.fetchone()
        return self._parse(row[0] if row else "")

    @staticmethod
    def _parse(value):
        # Values written before the pass was stored are a bare id.
        pass_id, _sep, last_id = (value or "").rpartition(":")
        return pass_id, int(last_id) if last_id.isdigit() else 0

    def move(self, pass_id, last_id):
        """Store the position in the row, which this transaction must have locked."""
        self.env.cr.execute(
            "UPDATE ir_config_parameter"
            "   SET value = %s, write_uid = %s, write_date = now() at time zone 'UTC'"
            " WHERE key = %s",
            [f"{pass_id}:{last_id}", self.env.uid, self.key],
        )
        self.moved = True

    def done(self):
        """Drop cached parameter values once the run has moved the position."""
        if self.moved:
            self.env["ir.config_parameter"].invalidate_model(["value"])
            self.env.registry.clear_cache()


def process_batch(records, process, task, logger):
    """Call ``process`` on ``records`` in one savepoint, or record by record
    when the batch fails.

    A record that fails alone is logged on ``logger`` as "<task> of <model>
    <id> failed, skipped" and does not stop the pass. Concurrency errors are
    re-raised, so the batch rolls back and a later run retries it.
    """
    cr = records.env.cr
    try:
        with cr.savepoint():
            process(records)
        return
    except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
        raise
    except Exception:
        logger.warning(
            "%s of %s %s failed as a batch, retrying them one by one",
            task,
            records._name,
            records.ids,
            exc_info=True,
        )
    for record in records:
        try:
            with cr.savepoint():
                process(record)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:
            logger.exception("%s of %s %s failed, skipped", task, record._name, record.id)
