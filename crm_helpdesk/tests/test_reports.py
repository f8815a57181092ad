from freezegun import freeze_time

from odoo.tests import tagged

from .common import HelpdeskCommon, utc


@tagged("post_install", "-at_install")
class TestReports(HelpdeskCommon):
    def test_support_cost_per_customer(self):
        self._create_ticket(utc(2026, 3, 2, 7, 0), time_spent=2.0)
        self._create_ticket(utc(2026, 3, 3, 7, 0), time_spent=1.5, partner_id=self.contact_a2.id)
        self._create_ticket(utc(2026, 3, 3, 7, 0), time_spent=4.0, partner_id=self.contact_b1.id)
        costs = self.env["res.partner"]._crm_helpdesk_get_support_cost_by_partner(
            [self.customer_a.id, self.customer_b.id]
        )
        # 3.5 h and 4 h at 60 per hour.
        self.assertEqual(costs, {self.customer_a.id: 210.0, self.customer_b.id: 240.0})
        costs = self.env["res.partner"]._crm_helpdesk_get_support_cost_by_partner(
            [self.customer_a.id], date_from=utc(2026, 3, 3, 0, 0)
        )
        self.assertEqual(costs, {self.customer_a.id: 90.0})

    def test_analysis_report_figures(self):
        answered = self._create_ticket(utc(2026, 3, 2, 7, 0))
        with freeze_time("2026-03-02 08:00:00"):
            answered.with_user(self.agent_1).message_post(
                body="Fixed", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            answered.stage_id = self.stage_solved
        late = self._create_ticket(utc(2026, 3, 2, 7, 0))
        with freeze_time("2026-03-04 08:00:00"):
            late.stage_id = self.stage_solved
        backlog = self._create_ticket(utc(2026, 3, 2, 7, 0))
        self.env.flush_all()
        Report = self.env["crm.helpdesk.report"]
        rows = Report.search([("id", "in", (answered | late | backlog).ids)])
        self.assertEqual(len(rows), 3)
        groups = Report._read_group(
            [("id", "in", (answered | late | backlog).ids)],
            ["team_id"],
            [
                "ticket_count:sum",
                "open_count:sum",
                "sla_compliance:avg",
                "first_response_hours:avg",
            ],
        )
        team, count, open_count, compliance, first_response = groups[0]
        self.assertEqual(team, self.team)
        self.assertEqual(count, 3)
        self.assertEqual(open_count, 1)
        # One ticket met its targets, one breached them, the open one does not count.
        self.assertEqual(compliance, 50.0)
        # The first agent reply came after 1 working hour. The late ticket reached
        # its response target only by closing, so it has no first-response time.
        self.assertEqual(first_response, 1.0)

    def test_agent_workload_next_days(self):
        self._create_ticket(utc(2026, 3, 2, 7, 0), planned_hours=3.0)
        self._create_ticket(utc(2026, 3, 2, 7, 0))
        self._create_ticket(
            utc(2026, 3, 2, 7, 0), user_id=self.agent_2.id, planned_hours=10.0, time_spent=4.0
        )
        lines = self.env["crm.helpdesk.workload"]._compute_workload(
            teams=self.team, days=7, now=utc(2026, 3, 2, 7, 0)
        )
        by_agent = {line.user_id: line for line in lines}
        self.assertEqual(set(by_agent), {self.agent_1, self.agent_2})
        anna = by_agent[self.agent_1]
        # 3 h estimated + 1 h team default for the ticket without estimate.
        self.assertEqual(anna.open_ticket_count, 2)
        self.assertEqual(anna.planned_hours, 4.0)
        # Monday 08:00 Berlin to next Monday 08:00: five days of 8 h.
        self.assertEqual(anna.available_hours, 40.0)
        self.assertEqual(anna.load_percent, 10.0)
        self.assertEqual(by_agent[self.agent_2].planned_hours, 6.0)
        self.assertEqual(by_agent[self.agent_2].free_hours, 34.0)

    def test_customer_figures_query_count_is_flat(self):
        self._create_ticket(utc(2026, 3, 2, 7, 0))
        self._create_ticket(utc(2026, 3, 2, 7, 0), partner_id=self.contact_a2.id)
        closed = self._create_ticket(utc(2026, 3, 2, 7, 0))
        closed.stage_id = self.stage_solved
        self._create_ticket(utc(2026, 3, 2, 7, 0), partner_id=self.contact_b1.id)
        self.env.flush_all()
        partners = self.customer_a | self.contact_a1 | self.contact_a2 | self.customer_b
        self.assertEqual(partners.mapped("crm_helpdesk_open_ticket_count"), [2, 2, 2, 1])
        self.assertEqual(self.customer_a.crm_helpdesk_ticket_count, 3)

        def count_queries(records):
            records.invalidate_recordset(["crm_helpdesk_open_ticket_count"])
            before = self.env.cr.sql_log_count
            records.mapped("crm_helpdesk_open_ticket_count")
            return self.env.cr.sql_log_count - before

        self.assertEqual(count_queries(self.customer_a), count_queries(partners))

    def test_tickets_in_customer_timeline(self):
        ticket = self._create_ticket(utc(2026, 3, 2, 7, 0))
        ticket.with_user(self.agent_1).message_post(
            body="We replaced the toner.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        ticket.message_post(body="Internal remark", subtype_xmlid="mail.mt_note")
        with freeze_time("2026-03-02 10:00:00"):
            ticket.stage_id = self.stage_solved
        self.env.flush_all()
        timeline = self.env["crm.interaction"].search(
            [("res_model", "=", "crm.helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(
            sorted(timeline.mapped("interaction_type")),
            ["email_out", "ticket_closed", "ticket_opened"],
        )
        opened = timeline.filtered(lambda row: row.interaction_type == "ticket_opened")
        self.assertEqual(opened.id, ticket.id * 64 + 20)
        self.assertEqual(opened.partner_id, self.customer_a)
        self.assertEqual(opened.contact_id, self.contact_a1)
        self.assertEqual(opened.name, f"{ticket.number} Printer offline")
        closed = timeline.filtered(lambda row: row.interaction_type == "ticket_closed")
        self.assertEqual(closed.date, utc(2026, 3, 2, 10, 0))
        summaries = " ".join(summary for summary in timeline.mapped("summary") if summary)
        self.assertIn("replaced the toner", summaries)
        self.assertNotIn("Internal remark", summaries)

    def test_agent_analysis_limited_to_own_teams(self):
        other_team = self.env["crm.helpdesk.team"].create({"name": "Billing"})
        own = self._create_ticket(utc(2026, 3, 2, 7, 0))
        foreign = self._create_ticket(utc(2026, 3, 2, 7, 0), team_id=other_team.id, user_id=False)
        self.env.flush_all()
        rows = (
            self.env["crm.helpdesk.report"]
            .with_user(self.agent_2)
            .search([("id", "in", (own | foreign).ids)])
        )
        self.assertEqual(rows.ids, own.ids)
        rows = (
            self.env["crm.helpdesk.report"]
            .with_user(self.manager)
            .search([("id", "in", (own | foreign).ids)])
        )
        self.assertEqual(sorted(rows.ids), sorted((own | foreign).ids))
