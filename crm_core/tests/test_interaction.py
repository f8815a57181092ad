from datetime import datetime, timedelta

from freezegun import freeze_time
from markupsafe import Markup

from odoo import Command
from odoo.tests import tagged

from .common import CrmCoreCommon

NOW = datetime(2025, 6, 16, 10, 0, 0)


@tagged("post_install", "-at_install")
class TestInteractionTimeline(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Fräsmaschinen 2025",
                "type": "opportunity",
                "partner_id": cls.contact_jana.id,
                "user_id": cls.salesman.id,
            }
        )
        with freeze_time(NOW):
            # One interaction a day, newest first: meeting, call, note, email out, email in.
            cls.contact_jana.message_post(
                body=Markup("<p>Bitte um <b>Angebot</b> &amp; Preise&nbsp;für &lt;Fräsen&gt;</p>"),
                subject="Anfrage",
                message_type="email",
                author_id=cls.contact_jana.id,
                date=NOW - timedelta(days=5),
            )
            cls.lead.with_user(cls.salesman).message_post(
                body="Angebot anbei",
                subject="Ihr Angebot",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                date=NOW - timedelta(days=4),
            )
            cls.customer.with_user(cls.salesman).message_post(
                body="Preise intern prüfen",
                date=NOW - timedelta(days=3),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            cls.env["crm.log.interaction"].with_user(cls.salesman).create(
                {
                    "res_model": "crm.lead",
                    "res_id": cls.lead.id,
                    "interaction_type": "call",
                    "summary": "Rückruf Jana",
                    "date": NOW - timedelta(days=2),
                }
            ).action_log()
            cls.meeting = (
                cls.env["calendar.event"]
                .with_user(cls.manager)
                .create(
                    {
                        "name": "Vorführung vor Ort",
                        "start": NOW - timedelta(days=1),
                        "stop": NOW - timedelta(days=1) + timedelta(hours=1),
                        "partner_ids": [
                            Command.set((cls.manager.partner_id | cls.contact_lukas).ids)
                        ],
                    }
                )
            )

    def _timeline(self, domain=None, user=None):
        Interaction = (
            self.env["crm.interaction"].with_user(user) if user else self.env["crm.interaction"]
        )
        return Interaction.search([("partner_id", "=", self.customer.id)] + (domain or []))

    def test_timeline_order_and_content(self):
        timeline = self._timeline()
        self.assertEqual(
            timeline.mapped("interaction_type"),
            ["meeting", "call", "note", "email_out", "email_in"],
        )
        meeting, call, note, email_out, email_in = timeline
        self.assertEqual(meeting.contact_id, self.contact_lukas)
        self.assertEqual(meeting.user_id, self.manager)
        self.assertEqual((meeting.res_model, meeting.res_id), ("calendar.event", self.meeting.id))
        self.assertEqual(call.name, "Rückruf Jana")
        self.assertEqual(call.lead_id, self.lead)
        self.assertEqual(call.user_id, self.salesman)
        self.assertEqual(note.contact_id, self.customer)
        self.assertEqual(email_out.name, "Ihr Angebot")
        self.assertEqual(email_in.summary, "Bitte um Angebot & Preise für <Fräsen>")
        self.assertEqual(email_in.contact_id, self.contact_jana)
        self.assertFalse(email_in.user_id, "an incoming email has no salesperson")

    def test_timeline_filters(self):
        self.assertEqual(self._timeline([("interaction_type", "=", "call")]).name, "Rückruf Jana")
        self.assertEqual(
            self._timeline([("contact_id", "=", self.contact_lukas.id)]).interaction_type, "meeting"
        )
        self.assertEqual(
            self._timeline([("user_id", "=", self.salesman.id)]).mapped("interaction_type"),
            ["call", "note", "email_out"],
        )
        period = self._timeline([("date", ">=", NOW - timedelta(days=3, hours=1))])
        self.assertEqual(period.mapped("interaction_type"), ["meeting", "call", "note"])
        per_lead = self.env["crm.interaction"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(per_lead.mapped("interaction_type"), ["call", "email_out"])

    def test_timeline_actions(self):
        action = self.contact_jana.action_crm_open_timeline()
        self.assertEqual(action["domain"], [("partner_id", "=", self.customer.id)])
        self.assertEqual(
            self.lead.action_crm_open_timeline()["domain"], [("lead_id", "=", self.lead.id)]
        )

    def test_other_company_hides_interactions(self):
        """A user of another company does not see interactions of this company's leads."""
        visible = self._timeline(user=self.salesman_b)
        self.assertNotIn(self.lead, visible.lead_id)
        self.assertNotIn("call", visible.mapped("interaction_type"))

    @freeze_time(NOW)
    def test_logged_call_updates_last_contact(self):
        action = self.contact_lukas.with_context(
            crm_interaction_type="call"
        ).action_crm_log_interaction()
        wizard = (
            self.env["crm.log.interaction"]
            .with_user(self.salesman)
            .with_context(**action["context"])
            .create({"summary": "Kurz telefoniert"})
        )
        wizard.action_log()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.crm_last_contact_date, NOW)
        self.assertEqual(self.customer.crm_last_contact_channel, "call")
        self.assertEqual(self.customer.crm_last_contact_user_id, self.salesman)
        self.assertEqual(self._timeline()[0].name, "Kurz telefoniert")

    def test_private_meeting_shows_date_only(self):
        """A private meeting stays on the timeline with its date, but neither
        its subject nor its description reach other salespeople."""
        with freeze_time(NOW):
            private = (
                self.env["calendar.event"]
                .with_user(self.manager)
                .create(
                    {
                        "name": "Gehaltsverhandlung Lukas",
                        "description": "<p>Kündigung droht</p>",
                        "privacy": "private",
                        "start": NOW - timedelta(hours=5),
                        "stop": NOW - timedelta(hours=4),
                        "partner_ids": [
                            Command.set((self.manager.partner_id | self.contact_lukas).ids)
                        ],
                    }
                )
            )
        self.env["crm.interaction"].flush_model()
        row = self._timeline([("res_id", "=", private.id), ("res_model", "=", "calendar.event")])
        self.assertEqual(row.interaction_type, "meeting")
        self.assertEqual(row.date, NOW - timedelta(hours=5))
        self.assertFalse(row.name)
        self.assertFalse(row.summary)
        self.assertFalse(
            self._timeline([("summary", "ilike", "Kündigung")], user=self.salesman)
        )
        # A public meeting keeps its subject.
        public = self._timeline(
            [("interaction_type", "=", "meeting"), ("res_id", "=", self.meeting.id)]
        )
        self.assertEqual(public.name, "Vorführung vor Ort")
