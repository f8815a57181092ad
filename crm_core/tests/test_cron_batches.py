from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

from ..tools.cron_cursor import CronCursor
from .common import CrmCoreCommon


@tagged("post_install", "-at_install")
class TestCronBatches(CrmCoreCommon):
    """Resume points of the crm_core crons and records that fail.

    A record fails through a PostgreSQL trigger that rejects its write. The
    trigger is created inside the test transaction, so it is rolled back with it.
    """

    def _reject_updates(self, table, record_id, column):
        self.env.flush_all()
        self.env.cr.execute(
            f"""
            CREATE FUNCTION crm_test_reject() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'test: record % rejected', NEW.id;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER crm_test_reject BEFORE UPDATE ON {table} FOR EACH ROW
                WHEN (NEW.id = {int(record_id)}
                      AND OLD.{column} IS DISTINCT FROM NEW.{column})
                EXECUTE FUNCTION crm_test_reject();
            """
        )

    def _param(self, key):
        self.env.cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
        row = self.env.cr.fetchone()
        return row and row[0]

    def _set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(key, value)
        self.env.flush_all()

    def test_scoring_skips_record_that_fails(self):
        self.env["crm.score.rule"].create(
            {"name": "Anfrage", "domain": "[('name', '=like', 'Anfrage %')]", "points": 5}
        )
        leads = self.env["crm.lead"].create([{"name": f"Anfrage {i}"} for i in range(5)])
        self._reject_updates("crm_lead", leads[1].id, "crm_score")
        with self.assertLogs("odoo.addons.crm_core.models.crm_score_rule", "ERROR") as logs:
            with mute_logger("odoo.sql_db"):
                self.env["crm.score.rule"]._cron_compute_scores(
                    batch_size=2, model_names=["crm.lead"]
                )
        self.assertIn(f"Lead scoring of crm.lead {leads[1].id} failed, skipped", logs.output[0])
        self.assertEqual(leads.mapped("crm_score"), [5, 0, 5, 5, 5])

    def test_duplicates_resume_after_stored_position(self):
        Pair = self.env["crm.duplicate.pair"]
        twins = self.env["res.partner"].create(
            [
                {"name": "Erster Zwilling", "email": "zwilling@example.com"},
                {"name": "Zweiter Zwilling", "email": "zwilling@example.com"},
            ]
        )
        late_twins = self.env["res.partner"].create(
            [
                {"name": "Späte Anna", "email": "spaet@example.com"},
                {"name": "Späte Berta", "email": "spaet@example.com"},
            ]
        )
        # A run cut after the first twins: the next run starts after them.
        key = "crm_core.duplicate_cursor.res.partner"
        self._set_param(key, f"4:{twins[1].id}")
        Pair._cron_detect_duplicates(batch_size=1)
        pairs = Pair.search([("model_name", "=", "res.partner")])
        self.assertEqual(pairs.mapped("record_id"), [late_twins[0].id])
        self.assertEqual(self._param(key), "5:0", "the run that reached the end starts pass 5")
        # The next run is a full pass.
        Pair._cron_detect_duplicates()
        pairs = Pair.search(
            [("model_name", "=", "res.partner"), ("record_id", "in", (twins | late_twins).ids)]
        )
        self.assertEqual(sorted(pairs.mapped("record_id")), [twins[0].id, late_twins[0].id])
        self.assertEqual(self._param(key), "6:0")

    def test_completeness_writes_changed_rows_only(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Kunde {i}", "email": f"kunde{i}@example.com"} for i in range(3)]
        )
        self.env["crm.required.field"].create(
            {
                "model_name": "res.partner",
                "field_id": self.env["ir.model.fields"]._get("res.partner", "phone").id,
            }
        )
        self.assertEqual(partners.mapped("crm_completeness"), [100, 100, 100], "not yet updated")
        self._reject_updates("res_partner", partners[0].id, "crm_completeness")
        with self.assertLogs("odoo.addons.crm_core.models.crm_required_field", "ERROR") as logs:
            with mute_logger("odoo.sql_db"):
                self.env["crm.required.field"]._cron_update_completeness(batch_size=2)
        self.assertIn(f"Completeness of res.partner {partners[0].id} failed", logs.output[0])
        self.assertEqual(partners.mapped("crm_completeness"), [100, 0, 0])
        self.assertEqual(partners[1].crm_missing_fields, "Phone")

        # The next pass updates the rejected contact only: an UPDATE would give
        # the row of the others a new physical location (ctid).
        self.env.cr.execute("DROP TRIGGER crm_test_reject ON res_partner")
        location_sql = "SELECT ctid::text FROM res_partner WHERE id = %s"
        self.env.cr.execute(location_sql, [partners[1].id])
        location = self.env.cr.fetchone()[0]
        self.env["crm.required.field"]._cron_update_completeness(batch_size=2)
        self.assertEqual(partners.mapped("crm_completeness"), [0, 0, 0])
        self.env.cr.execute(location_sql, [partners[1].id])
        self.assertEqual(self.env.cr.fetchone()[0], location, "an up-to-date row is not written")


@tagged("post_install", "-at_install")
class TestCronCursorTwoWorkers(BaseCase):
    """Two workers on separate database connections, as two cron processes.

    The cursor row is committed because the second connection must see it;
    the test deletes it afterwards if it created it.
    """

    KEY = "crm_core.score_cursor.crm.lead"

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            cr.execute("SELECT 1 FROM ir_config_parameter WHERE key = %s", [self.KEY])
            if not cr.fetchone():
                CronCursor(api.Environment(cr, SUPERUSER_ID, {}), self.KEY).ensure()
                self.addCleanup(self._delete_cursor)

    def _delete_cursor(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", [self.KEY])
            api.Environment(cr, SUPERUSER_ID, {}).registry.clear_cache()

    def test_second_worker_leaves_batch_in_progress(self):
        with self.registry.cursor() as cr_first, self.registry.cursor() as cr_second:
            first = api.Environment(cr_first, SUPERUSER_ID, {})
            second = api.Environment(cr_second, SUPERUSER_ID, {})
            # The first worker is in the middle of a batch: it holds the cursor row.
            self.assertIsNotNone(CronCursor(first, self.KEY).lock())
            lead = second["crm.lead"].create({"name": "Zweiter Arbeiter"})
            done = second["crm.score.rule"]._cron_compute_scores(model_names=["crm.lead"])
            self.assertEqual(done, 0, "the second worker leaves the pass to the first one")
            self.assertFalse(lead.crm_score_date)
            cr_first.rollback()
            cr_second.rollback()
