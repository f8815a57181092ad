from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged, users

from .common import HelpdeskCommon, utc


@tagged("post_install", "-at_install")
class TestSlaDeadlines(HelpdeskCommon):
    def test_deadline_across_weekend(self):
        # Friday 2026-03-06 15:00 Berlin (CET, UTC+1): 2 hours left on Friday.
        ticket = self._create_ticket(utc(2026, 3, 6, 14, 0))
        response = self._line(ticket, "first_response")
        resolution = self._line(ticket, "resolution")
        # 2 h Friday + 2 h Monday morning: Monday 10:00 Berlin.
        self.assertEqual(response.deadline, utc(2026, 3, 9, 9, 0))
        # 2 h Friday + 4 h Monday morning + 2 h after lunch: Monday 15:00 Berlin.
        self.assertEqual(resolution.deadline, utc(2026, 3, 9, 14, 0))
        # At risk at 50 %: 2 h for the response, reached Friday 17:00 Berlin.
        self.assertEqual(response.at_risk_date, utc(2026, 3, 6, 16, 0))
        # The manager hears of it 2 working hours after the resolution breach.
        self.assertEqual(resolution.manager_date, utc(2026, 3, 9, 16, 0))
        self.assertEqual(ticket.sla_deadline, utc(2026, 3, 9, 9, 0))

    def test_deadline_across_spring_daylight_saving_change(self):
        # Friday 2026-03-27 15:00 CET; clocks move to CEST (UTC+2) on Sunday 29.
        ticket = self._create_ticket(utc(2026, 3, 27, 14, 0))
        # Monday 2026-03-30 15:00 CEST is 13:00 UTC, not 14:00.
        self.assertEqual(self._line(ticket, "resolution").deadline, utc(2026, 3, 30, 13, 0))

    def test_deadline_across_autumn_daylight_saving_change(self):
        # Friday 2026-10-23 15:00 CEST; clocks move back to CET on Sunday 25.
        ticket = self._create_ticket(utc(2026, 10, 23, 13, 0))
        # Monday 2026-10-26 15:00 CET is 14:00 UTC.
        self.assertEqual(self._line(ticket, "resolution").deadline, utc(2026, 10, 26, 14, 0))

    def test_deadline_opened_outside_working_hours(self):
        # Tuesday 2026-03-03 20:00 Berlin: the clock starts Wednesday 08:00.
        ticket = self._create_ticket(utc(2026, 3, 3, 19, 0))
        self.assertEqual(self._line(ticket, "first_response").deadline, utc(2026, 3, 4, 11, 0))
        self.assertEqual(self._line(ticket, "resolution").deadline, utc(2026, 3, 4, 16, 0))
        # Saturday morning: the clock starts Monday 08:00.
        ticket = self._create_ticket(utc(2026, 3, 7, 9, 0))
        self.assertEqual(self._line(ticket, "first_response").deadline, utc(2026, 3, 9, 11, 0))

    def test_deadline_across_public_holidays(self):
        # Good Friday 2026-04-03 and Easter Monday 2026-04-06, whole days in Berlin.
        self.env["resource.calendar.leaves"].create(
            [
                {
                    "name": "Good Friday",
                    "date_from": utc(2026, 4, 2, 22, 0),
                    "date_to": utc(2026, 4, 3, 21, 59, 59),
                },
                {
                    "name": "Easter Monday",
                    "date_from": utc(2026, 4, 5, 22, 0),
                    "date_to": utc(2026, 4, 6, 21, 59, 59),
                },
            ]
        )
        # Thursday 2026-04-02 15:00 CEST: 2 h on Thursday, then Tuesday.
        ticket = self._create_ticket(utc(2026, 4, 2, 13, 0))
        self.assertEqual(self._line(ticket, "resolution").deadline, utc(2026, 4, 7, 13, 0))
        self.assertEqual(self._line(ticket, "first_response").deadline, utc(2026, 4, 7, 8, 0))

    def test_leave_of_another_calendar_is_ignored(self):
        other = self._create_calendar("Vienna office", "Europe/Vienna")
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Vienna closed",
                "calendar_id": other.id,
                "date_from": utc(2026, 3, 8, 23, 0),
                "date_to": utc(2026, 3, 9, 22, 59, 59),
            }
        )
        ticket = self._create_ticket(utc(2026, 3, 6, 14, 0))
        self.assertEqual(self._line(ticket, "resolution").deadline, utc(2026, 3, 9, 14, 0))

    def test_calendar_time_zone_differs_from_user(self):
        tokyo = self._create_calendar("Tokyo office", "Asia/Tokyo", hours=((9, 12), (13, 17)))
        self.team.resource_calendar_id = tokyo
        agent_la = self.agent_1
        agent_la.tz = "America/Los_Angeles"
        # 2026-03-06 07:00 UTC is Friday 16:00 in Tokyo and Thursday 23:00 in Los Angeles.
        ticket = self._create_ticket(utc(2026, 3, 6, 7, 0)).with_user(agent_la)
        # 1 h Friday in Tokyo + 3 h Monday morning: Monday 12:00 Tokyo = 03:00 UTC.
        self.assertEqual(self._line(ticket, "first_response").deadline, utc(2026, 3, 9, 3, 0))
        # The same ticket created by the agent in Los Angeles gets the same deadline.
        ticket_by_agent = (
            self.env["crm.helpdesk.ticket"]
            .with_user(agent_la)
            .create(
                {
                    "name": "Login fails",
                    "partner_id": self.contact_a1.id,
                    "team_id": self.team.id,
                    "date_open": utc(2026, 3, 6, 7, 0),
                }
            )
        )
        self.assertEqual(
            self._line(ticket_by_agent.sudo(), "first_response").deadline, utc(2026, 3, 9, 3, 0)
        )


@tagged("post_install", "-at_install")
class TestSlaClock(HelpdeskCommon):
    def test_pause_and_resume_in_waiting_stage(self):
        # Monday 2026-03-02 08:00 Berlin; resolution due Monday 17:00 Berlin.
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        resolution = self._line(ticket, "resolution")
        self.assertEqual(resolution.deadline, utc(2026, 3, 2, 16, 0))
        with freeze_time("2026-03-02 09:00:00"):
            # 10:00 Berlin: 2 h used, 6 h left.
            ticket.stage_id = self.stage_waiting
        self.assertEqual(resolution.paused_since, utc(2026, 3, 2, 9, 0))
        self.assertEqual(resolution.remaining_hours, 6.0)
        with freeze_time("2026-03-04 09:00:00"):
            # The cron leaves paused lines alone even after their old deadline.
            self.env["crm.helpdesk.ticket.sla"]._cron_escalate(now=utc(2026, 3, 4, 9, 0))
        self.assertEqual(resolution.status, "on_track")
        with freeze_time("2026-03-03 13:00:00"):
            # Tuesday 14:00 Berlin: 6 h left are Tuesday 14-17 and Wednesday 08-11.
            ticket.stage_id = self.stage_progress
        self.assertFalse(resolution.paused_since)
        self.assertEqual(resolution.deadline, utc(2026, 3, 4, 10, 0))
        # Paused Monday 10-17 (6 h) and Tuesday 08-14 (5 h) of working time.
        self.assertEqual(resolution.paused_hours, 11.0)

    def test_customer_reply_ends_waiting(self):
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        with freeze_time("2026-03-02 09:00:00"):
            ticket.stage_id = self.stage_waiting
        with freeze_time("2026-03-02 12:00:00"):
            ticket.with_user(self.env.ref("base.user_root")).message_post(
                body="Here is the log file.",
                author_id=self.contact_a1.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(ticket.stage_id, self.stage_new)
        # Paused Monday 10:00-13:00 Berlin, 2 h of working time (lunch excluded),
        # so the deadline moves from Monday 17:00 to Tuesday 10:00 Berlin.
        self.assertEqual(self._line(ticket, "resolution").deadline, utc(2026, 3, 3, 9, 0))

    def test_first_response_and_resolution_reached(self):
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        with freeze_time("2026-03-02 08:30:00"):
            ticket.with_user(self.agent_1).message_post(
                body="We are on it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        response = self._line(ticket, "first_response")
        self.assertEqual(response.reached_date, utc(2026, 3, 2, 8, 30))
        self.assertEqual(response.status, "met")
        self.assertEqual(ticket.first_response_hours, 1.5)
        with freeze_time("2026-03-03 10:00:00"):
            ticket.stage_id = self.stage_solved
        resolution = self._line(ticket, "resolution")
        self.assertEqual(resolution.status, "breached")
        self.assertEqual(ticket.sla_status, "breached")
        # Monday 8 h + Tuesday 08:00-11:00 Berlin 3 h.
        self.assertEqual(ticket.resolution_hours, 11.0)
        self.assertFalse(ticket.sla_met)

    def test_internal_note_is_no_first_response(self):
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        ticket.with_user(self.agent_1).message_post(
            body="Checking logs", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(ticket.first_response_date)
        self.assertFalse(self._line(ticket, "first_response").reached_date)

    def test_reopen_on_customer_reply(self):
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        with freeze_time("2026-03-02 09:00:00"):
            ticket.stage_id = self.stage_solved
        self.assertEqual(self._line(ticket, "resolution").status, "met")
        with freeze_time("2026-03-03 08:00:00"):
            ticket.with_user(self.env.ref("base.user_root")).message_post(
                body="Still broken.",
                author_id=self.contact_a1.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertFalse(ticket.close_date)
        resolution = self._line(ticket, "resolution")
        self.assertFalse(resolution.reached_date)
        # 2 h used on Monday; the closed time is not counted: 6 h left from
        # Tuesday 09:00 Berlin end Tuesday 16:00 Berlin.
        self.assertEqual(resolution.deadline, utc(2026, 3, 3, 15, 0))

    def test_policy_criteria(self):
        plan = self.env["crm.helpdesk.support.plan"].create({"name": "Premium"})
        premium = self.env["crm.helpdesk.sla"].create(
            {
                "name": "Premium urgent",
                "priority": "3",
                "support_plan_ids": [Command.set(plan.ids)],
                "first_response_hours": 1.0,
            }
        )
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0), priority="3")
        self.assertNotIn(premium, ticket.sla_line_ids.sla_id)
        self.customer_a.crm_helpdesk_support_plan_id = plan
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0), priority="3")
        self.assertEqual(ticket.sla_line_ids.sla_id, self.policy | premium)
        self.assertEqual(
            ticket.sla_line_ids.filtered(lambda line: line.sla_id == premium).deadline,
            utc(2026, 3, 2, 8, 0),
        )
        ticket.priority = "1"
        self.assertEqual(ticket.sla_line_ids.sla_id, self.policy)


@tagged("post_install", "-at_install")
class TestEscalation(HelpdeskCommon):
    def _notes_for(self, ticket, user):
        return ticket.message_ids.filtered(lambda message: user.partner_id in message.partner_ids)

    def test_escalation_fires_once_per_level(self):
        # Monday 2026-03-02 08:00 Berlin. First response: at risk 10:00,
        # deadline 12:00, manager 15:00 Berlin (lunch not counted).
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        response = self._line(ticket, "first_response")
        self.assertEqual(
            (response.at_risk_date, response.deadline, response.manager_date),
            (utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 11, 0), utc(2026, 3, 2, 14, 0)),
        )
        Sla = self.env["crm.helpdesk.ticket.sla"]
        Sla._cron_escalate(now=utc(2026, 3, 2, 8, 59))
        self.assertEqual(response.status, "on_track")
        self.assertFalse(self._notes_for(ticket, self.agent_1))

        for _run in range(2):
            Sla._cron_escalate(now=utc(2026, 3, 2, 9, 30))
        self.assertEqual(response.status, "at_risk")
        self.assertEqual(response.escalation_level, 1)
        self.assertEqual(len(self._notes_for(ticket, self.agent_1)), 1)
        self.assertFalse(self._notes_for(ticket, self.leader))

        # 12:30 Berlin: the response is breached and the resolution (at risk at
        # 12:00 Berlin) notifies the assignee a second time.
        for _run in range(2):
            Sla._cron_escalate(now=utc(2026, 3, 2, 11, 30))
        self.assertEqual(response.status, "breached")
        self.assertEqual(self._line(ticket, "resolution").status, "at_risk")
        self.assertEqual(len(self._notes_for(ticket, self.agent_1)), 2)
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(len(self._notes_for(ticket, self.leader)), 1)
        self.assertFalse(self._notes_for(ticket, self.manager))

        for _run in range(2):
            Sla._cron_escalate(now=utc(2026, 3, 2, 14, 30))
        self.assertEqual(response.escalation_level, 3)
        self.assertEqual(len(self._notes_for(ticket, self.manager)), 1)
        self.assertEqual(len(self._notes_for(ticket, self.agent_1)), 2)
        self.assertEqual(len(self._notes_for(ticket, self.leader)), 1)

    def test_escalation_levels_configurable(self):
        self.policy.write({"notify_assignee_at_risk": False, "manager_escalation_hours": 0.0})
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        Sla = self.env["crm.helpdesk.ticket.sla"]
        Sla._cron_escalate(now=utc(2026, 3, 2, 9, 30))
        self.assertFalse(self._notes_for(ticket, self.agent_1))
        Sla._cron_escalate(now=utc(2026, 3, 3, 16, 0))
        self.assertFalse(self._notes_for(ticket, self.manager))
        self.assertEqual(len(self._notes_for(ticket, self.leader)), 2, "one per breached target")

    def test_reached_line_does_not_escalate(self):
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        with freeze_time("2026-03-02 08:00:00"):
            ticket.with_user(self.agent_1).message_post(
                body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.env["crm.helpdesk.ticket.sla"]._cron_escalate(now=utc(2026, 3, 2, 11, 30))
        self.assertEqual(self._line(ticket, "first_response").status, "met")
        self.assertEqual(self._line(ticket, "first_response").escalation_level, 0)


@tagged("post_install", "-at_install")
class TestAssignmentAndMerge(HelpdeskCommon):
    def test_round_robin(self):
        self.team.assignment_method = "round_robin"
        tickets = [self._create_ticket(utc(2026, 3, 2, 7, 0), user_id=False) for _i in range(3)]
        self.assertEqual(
            [ticket.user_id for ticket in tickets], [self.agent_1, self.agent_2, self.agent_1]
        )

    def test_least_loaded(self):
        self.team.assignment_method = "least_loaded"
        self._create_ticket(utc(2026, 3, 2, 7, 0), user_id=self.agent_1.id)
        self._create_ticket(utc(2026, 3, 2, 7, 0), user_id=self.agent_1.id)
        self._create_ticket(utc(2026, 3, 2, 7, 0), user_id=self.agent_2.id)
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0), user_id=False)
        self.assertEqual(ticket.user_id, self.agent_2)

    def test_merge_moves_conversation(self):
        first = self._create_ticket(utc(2026, 3, 2, 7, 0), time_spent=1.0)
        second = self._create_ticket(
            utc(2026, 3, 2, 8, 0), time_spent=0.5, partner_id=self.contact_a2.id
        )
        second.message_post(body="Second mail of the customer", message_type="comment")
        (first | second).action_merge_into(first)
        self.assertIn("Second mail of the customer", "".join(first.message_ids.mapped("body")))
        self.assertIn(self.contact_a2.id, first.message_partner_ids.ids)
        self.assertEqual(first.time_spent, 1.5)
        self.assertEqual(second.merged_into_id, first)
        self.assertFalse(second.active)
        self.assertTrue(second.is_closed)

    def test_merge_rejects_other_customer(self):
        first = self._create_ticket(utc(2026, 3, 2, 7, 0))
        other = self._create_ticket(utc(2026, 3, 2, 7, 0), partner_id=self.contact_b1.id)
        with self.assertRaisesRegex(Exception, "different customers"):
            (first | other).action_merge_into(first)

    def test_merge_rejects_ticket_without_customer(self):
        """A ticket without a customer must not reach a customer's ticket, in
        either direction: the customer would read its conversation."""
        customer_ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        anonymous = self._create_ticket(
            utc(2026, 3, 2, 8, 0), partner_id=False, name="Mail without sender"
        )
        for target in (customer_ticket, anonymous):
            with self.subTest(target=target.name):
                with self.assertRaises(UserError) as raised:
                    (customer_ticket | anonymous).action_merge_into(target)
                message = str(raised.exception)
                self.assertIn(customer_ticket.display_name, message)
                self.assertIn(anonymous.display_name, message)
                self.assertIn("Alpha GmbH", message)
                self.assertIn("no customer", message)
        self.assertTrue(anonymous.active)
        self.assertFalse(anonymous.merged_into_id)
        self.assertFalse(customer_ticket.merged_into_id)

    def test_merge_of_tickets_without_customer(self):
        first = self._create_ticket(utc(2026, 3, 2, 7, 0), partner_id=False, name="Alarm 1")
        second = self._create_ticket(utc(2026, 3, 2, 8, 0), partner_id=False, name="Alarm 2")
        (first | second).action_merge_into(first)
        self.assertEqual(second.merged_into_id, first)

    def test_stage_in_use_cannot_be_deleted(self):
        stage = self.env["crm.helpdesk.stage"].create({"name": "Escalated to vendor"})
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        ticket.stage_id = stage
        ticket.active = False
        with self.assertRaisesRegex(UserError, r"Escalated to vendor \(1\)"):
            stage.unlink()
        ticket.active = True
        ticket.stage_id = self.stage_progress
        stage.unlink()
        self.assertFalse(stage.exists())

    @users("desk_agent_1")
    def test_agent_sees_team_tickets_only(self):
        other_team = (
            self.env["crm.helpdesk.team"]
            .sudo()
            .create({"name": "Billing", "member_ids": [Command.set(self.agent_2.ids)]})
        )
        own = (
            self.env["crm.helpdesk.ticket"]
            .sudo()
            .create({"name": "Mine", "team_id": self.team.id, "partner_id": self.contact_a1.id})
        )
        foreign = (
            self.env["crm.helpdesk.ticket"]
            .sudo()
            .create(
                {"name": "Billing question", "team_id": other_team.id, "user_id": self.agent_2.id}
            )
        )
        teamless_open = self.env["crm.helpdesk.ticket"].sudo().create({"name": "No team yet"})
        teamless_taken = (
            self.env["crm.helpdesk.ticket"]
            .sudo()
            .create({"name": "Taken by Bert", "user_id": self.agent_2.id})
        )
        candidates = own | foreign | teamless_open | teamless_taken
        visible = self.env["crm.helpdesk.ticket"].search([("id", "in", candidates.ids)])
        self.assertEqual(visible, own | teamless_open)

    def test_other_company_tickets_hidden(self):
        other_company = self.env["res.company"].create({"name": "Desk Subsidiary"})
        other_team = self.env["crm.helpdesk.team"].create(
            {"name": "Subsidiary Care", "company_id": other_company.id}
        )
        foreign = self.env["crm.helpdesk.ticket"].create(
            {
                "name": "Subsidiary ticket",
                "team_id": other_team.id,
                "partner_id": self.contact_a1.id,
            }
        )
        self.assertEqual(foreign.company_id, other_company)
        visible = (
            self.env["crm.helpdesk.ticket"]
            .with_user(self.manager)
            .search([("id", "=", foreign.id)])
        )
        self.assertFalse(visible, "a manager of another company does not see the ticket")

    def test_merge_wizard_keeps_oldest(self):
        older = self._create_ticket(utc(2026, 3, 2, 7, 0))
        newer = self._create_ticket(utc(2026, 3, 3, 7, 0))
        wizard = (
            self.env["crm.helpdesk.ticket.merge"]
            .with_context(active_model="crm.helpdesk.ticket", active_ids=(older | newer).ids)
            .create({})
        )
        self.assertEqual(wizard.target_id, older)
        action = wizard.action_merge()
        self.assertEqual(action["res_id"], older.id)
        self.assertEqual(newer.merged_into_id, older)
