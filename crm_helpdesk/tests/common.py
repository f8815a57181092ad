from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class HelpdeskCommon(TransactionCase):
    """Fixtures shared by the helpdesk tests.

    - ``calendar_berlin``: Monday to Friday, 08:00-12:00 and 13:00-17:00 in
      Europe/Berlin (8 working hours a day, lunch break not counted);
    - ``team``: support team on that calendar with a leader, a manager and two
      agents, answering on the alias support@desk.example.com;
    - ``policy``: 4 working hours to first response and 8 to resolution, at
      risk at 50 % of the time, manager escalation 2 working hours after a breach;
    - two customers, Alpha GmbH and Beta AG, with two contacts each.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.calendar_berlin = cls._create_calendar("Berlin office", "Europe/Berlin")

        cls.agent_1 = new_test_user(
            cls.env,
            "desk_agent_1",
            groups="crm_helpdesk.group_helpdesk_user",
            name="Anna Agent",
            email="anna.agent@desk.example.com",
            tz="Europe/Berlin",
        )
        cls.agent_2 = new_test_user(
            cls.env,
            "desk_agent_2",
            groups="crm_helpdesk.group_helpdesk_user",
            name="Bert Agent",
            email="bert.agent@desk.example.com",
            tz="Europe/Berlin",
        )
        cls.leader = new_test_user(
            cls.env,
            "desk_leader",
            groups="crm_helpdesk.group_helpdesk_user",
            name="Lena Leader",
            email="lena.leader@desk.example.com",
        )
        cls.manager = new_test_user(
            cls.env,
            "desk_manager",
            groups="crm_helpdesk.group_helpdesk_manager",
            name="Max Manager",
            email="max.manager@desk.example.com",
        )

        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {
                "name": "desk.example.com",
                "bounce_alias": "bounce",
                "catchall_alias": "catchall",
                "default_from": "notifications",
            }
        )
        cls.env.company.alias_domain_id = cls.alias_domain
        cls.team = cls.env["crm.helpdesk.team"].create(
            {
                "name": "Customer Care",
                "resource_calendar_id": cls.calendar_berlin.id,
                "leader_id": cls.leader.id,
                "manager_id": cls.manager.id,
                "member_ids": [Command.set([cls.agent_1.id, cls.agent_2.id])],
                "alias_name": "support",
                "alias_domain_id": cls.alias_domain.id,
                "hourly_rate": 60.0,
            }
        )
        cls.policy = cls.env["crm.helpdesk.sla"].create(
            {
                "name": "Standard",
                "team_ids": [Command.set(cls.team.ids)],
                "first_response_hours": 4.0,
                "resolution_hours": 8.0,
                "at_risk_percent": 50.0,
                "manager_escalation_hours": 2.0,
            }
        )

        Partner = cls.env["res.partner"]
        cls.customer_a = Partner.create(
            {"name": "Alpha GmbH", "is_company": True, "email": "info@alpha.example.com"}
        )
        cls.contact_a1 = Partner.create(
            {
                "name": "Alice Alpha",
                "parent_id": cls.customer_a.id,
                "email": "alice@alpha.example.com",
            }
        )
        cls.contact_a2 = Partner.create(
            {
                "name": "Arno Alpha",
                "parent_id": cls.customer_a.id,
                "email": "arno@alpha.example.com",
            }
        )
        cls.customer_b = Partner.create(
            {"name": "Beta AG", "is_company": True, "email": "info@beta.example.com"}
        )
        cls.contact_b1 = Partner.create(
            {
                "name": "Bianca Beta",
                "parent_id": cls.customer_b.id,
                "email": "bianca@beta.example.com",
            }
        )

        cls.stage_new = cls.env.ref("crm_helpdesk.stage_new")
        cls.stage_progress = cls.env.ref("crm_helpdesk.stage_in_progress")
        cls.stage_waiting = cls.env.ref("crm_helpdesk.stage_waiting")
        cls.stage_solved = cls.env.ref("crm_helpdesk.stage_solved")

    @classmethod
    def _create_calendar(cls, name, tz, hours=((8, 12), (13, 17))):
        attendances = [
            Command.create(
                {
                    "name": f"{day} {start}-{stop}",
                    "dayofweek": str(day),
                    "hour_from": start,
                    "hour_to": stop,
                    "day_period": "morning" if start < 12 else "afternoon",
                }
            )
            for day in range(5)
            for start, stop in hours
        ]
        return cls.env["resource.calendar"].create(
            {"name": name, "tz": tz, "attendance_ids": attendances}
        )

    def _create_ticket(self, opened, **values):
        """Create a ticket of Alice Alpha opened at ``opened`` (naive UTC).

        The clock is frozen at ``opened`` so the initial SLA status is the one
        of a ticket created at that moment.
        """
        vals = {
            "name": "Printer offline",
            "partner_id": self.contact_a1.id,
            "team_id": self.team.id,
            "user_id": self.agent_1.id,
            "date_open": opened,
        }
        vals.update(values)
        with freeze_time(opened):
            return self.env["crm.helpdesk.ticket"].create(vals)

    def _line(self, ticket, target_type):
        return ticket.sla_line_ids.filtered(lambda line: line.target_type == target_type)


def utc(*args):
    return datetime(*args)
