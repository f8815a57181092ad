from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.crm_core.tests.test_screenshots import CrmScreenshotCase
from odoo.addons.crm_helpdesk.controllers.portal import TICKETS_URL


@tagged("post_install", "-at_install", "crm_screenshots")
class TestHelpdeskScreenshots(CrmScreenshotCase):
    """Tickets of demo customers on a team with an SLA, and the portal list
    of the demo portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        cls.portal_partner = cls.env.ref("base.partner_demo_portal")
        team = cls.env["crm.helpdesk.team"].create(
            {
                "name": "Customer Care",
                "resource_calendar_id": cls.env.company.resource_calendar_id.id,
                "leader_id": admin.id,
                "member_ids": [Command.set([admin.id, cls.env.ref("base.user_demo").id])],
            }
        )
        cls.env["crm.helpdesk.sla"].create(
            {
                "name": "Standard support",
                "team_ids": [Command.set(team.ids)],
                "first_response_hours": 4.0,
                "resolution_hours": 16.0,
                "at_risk_percent": 50.0,
            }
        )
        now = fields.Datetime.now()
        Ticket = cls.env["crm.helpdesk.ticket"]
        values = [
            ("Printer driver fails after the update", cls.portal_partner, "2", 6),
            ("Invoice copy for last month", cls.portal_partner, "1", 0),
            ("Desk delivered with a scratch", cls.env.ref("base.res_partner_address_1"), "2", 3),
            ("Assembly instructions missing", cls.env.ref("base.res_partner_address_2"), "1", 1),
            ("Question about the warranty", cls.env.ref("base.res_partner_4"), "0", 0),
        ]
        cls.tickets = Ticket.create(
            [
                {
                    "name": name,
                    "partner_id": partner.id,
                    "priority": priority,
                    "team_id": team.id,
                    "user_id": admin.id,
                    "date_open": now - timedelta(days=days_ago),
                }
                for name, partner, priority, days_ago in values
            ]
        )
        cls.tickets[2].stage_id = cls.env.ref("crm_helpdesk.stage_in_progress")
        cls.env["crm.helpdesk.ticket.sla"]._cron_escalate()

    def test_helpdesk_screens(self):
        breached = self.tickets[0]
        self.assertEqual(breached.sla_status, "breached")
        tickets = "/odoo/action-crm_helpdesk.crm_helpdesk_ticket_action"
        agent_screens = [
            {
                "name": "ticket_kanban",
                "url": tickets,
                "selector": ".o_kanban_renderer",
                "texts": [
                    "Printer driver fails after the update",
                    "Desk delivered with a scratch",
                    "Question about the warranty",
                ],
            },
            {
                "name": "ticket_form",
                "url": f"{tickets}/{breached.id}",
                "selector": ".o_form_view",
                "clicks": ["a[name='sla']"],
                "scroll": ".o_notebook",
                "texts": {
                    "en_US": [breached.number, "Standard support", "Breached"],
                    "de_DE": [breached.number, "Standard support"],
                },
            },
        ]
        portal_screens = [
            {
                "name": "portal_tickets",
                "url": TICKETS_URL,
                "selector": "main",
                "texts": [
                    "Printer driver fails after the update",
                    "Invoice copy for last month",
                ],
            },
        ]
        for lang in self.crm_languages():
            self.crm_screens("admin", agent_screens, lang=lang)
            self.crm_screens("portal", portal_screens, lang=lang)
