from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

# Participants of the parallel run and the batch each worker claims.
PARTICIPANT_COUNT = 40
BATCH_SIZE = 25


@tagged("post_install", "-at_install")
class TestNurtureTwoWorkers(BaseCase):
    """Two cron workers on separate database connections advance the same
    sequence at the same time. Their steps are interleaved by hand on two
    cursors, so the run is deterministic. The data is committed, so the class
    deletes it afterwards."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            template = env["mail.template"].create({
                "name": "Parallel welcome",
                "model_id": env["ir.model"]._get_id("res.partner"),
                "subject": "Welcome",
                "body_html": "<p>Hello</p>",
            })
            sequence = env["crm.nurture.sequence"].create({
                "name": "Parallel workers",
                "step_ids": [
                    Command.create({"step_type": "mail", "mail_template_id": template.id}),
                    Command.create({"step_type": "wait", "wait_days": 2}),
                ],
            })
            partners = env["res.partner"].create([
                {"name": f"Parallel {index}", "email": f"parallel{index}@example.com"}
                for index in range(PARTICIPANT_COUNT)
            ])
            sequence.action_start()
            env["crm.nurture.participant"].create([
                {"sequence_id": sequence.id, "partner_id": partner.id}
                for partner in partners
            ])
            self.ids = {
                "template": template.id,
                "sequence": sequence.id,
                "partners": partners.ids,
                "mailing": sequence.step_ids[0].mailing_id.id,
            }
        self.addCleanup(self._delete_data)

    def _delete_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["mail.mail"].search([("mailing_id", "=", self.ids["mailing"])]).unlink()
            env["mailing.trace"].search(
                [("mass_mailing_id", "=", self.ids["mailing"])]
            ).unlink()
            env["crm.nurture.sequence"].browse(self.ids["sequence"]).unlink()
            env["mailing.mailing"].browse(self.ids["mailing"]).unlink()
            env["mail.template"].browse(self.ids["template"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def test_two_workers_send_each_mail_once(self):
        with self.registry.cursor() as cr_first, self.registry.cursor() as cr_second:
            first = api.Environment(cr_first, SUPERUSER_ID, {})["crm.nurture.participant"]
            second = api.Environment(cr_second, SUPERUSER_ID, {})[
                "crm.nurture.participant"
            ]
            first_batch = first._claim_due(BATCH_SIZE)
            # The second worker skips the rows the first one holds.
            second_batch = second._claim_due(BATCH_SIZE)
            self.assertEqual(len(first_batch), BATCH_SIZE)
            self.assertEqual(len(second_batch), PARTICIPANT_COUNT - BATCH_SIZE)
            self.assertFalse(set(first_batch.ids) & set(second_batch.ids))

            first_batch._advance()
            second_batch._advance()
            cr_first.commit()
            cr_second.commit()
            # Once both committed, nothing is due any more for either worker.
            self.assertFalse(second._claim_due(BATCH_SIZE))

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            traces = env["mailing.trace"].search(
                [("mass_mailing_id", "=", self.ids["mailing"])]
            )
            self.assertEqual(len(traces), PARTICIPANT_COUNT)
            self.assertEqual(sorted(traces.mapped("res_id")), sorted(self.ids["partners"]))
            mails = env["mail.mail"].search([("mailing_id", "=", self.ids["mailing"])])
            self.assertEqual(len(mails), PARTICIPANT_COUNT)
            self.assertEqual(
                env["crm.nurture.log"].search_count(
                    [("sequence_id", "=", self.ids["sequence"])]
                ),
                PARTICIPANT_COUNT,
            )
