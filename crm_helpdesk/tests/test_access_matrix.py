from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_core.tests.test_access_matrix_common import (
    ALLOWED,
    DENIED,
    AccessMatrixMixin,
)

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixMixin, HelpdeskCommon):
    """Who reads, writes, creates and deletes what in crm_helpdesk.

    Tickets of the main company: Anna's and Bert's in Customer Care (Anna's
    team), one without team or agent, one of the Field Service team that
    Anna is not a member of. One ticket belongs to a team of company B.
    Alice Alpha is a portal user; so is Bianca Beta of another customer.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_b = cls.env["res.company"].create({"name": "Beta Service GmbH"})
        cls.users = {
            "agent": cls.agent_1,
            "agent_other_team": new_test_user(
                cls.env,
                "matrix_desk_field",
                groups="crm_helpdesk.group_helpdesk_user",
                name="Fritz Feld",
            ),
            "manager": cls.manager,
            "salesman": new_test_user(
                cls.env,
                "matrix_desk_salesman",
                groups="sales_team.group_sale_salesman_all_leads",
                name="Sina Vertrieb",
            ),
            "other_company": new_test_user(
                cls.env,
                "matrix_desk_company_b",
                groups="crm_helpdesk.group_helpdesk_manager",
                name="Berta Fremd",
                company_id=company_b.id,
                company_ids=[Command.set(company_b.ids)],
            ),
            "portal": new_test_user(
                cls.env,
                "matrix_desk_portal_alpha",
                groups="base.group_portal",
                partner_id=cls.contact_a1.id,
            ),
            "portal_beta": new_test_user(
                cls.env,
                "matrix_desk_portal_beta",
                groups="base.group_portal",
                partner_id=cls.contact_b1.id,
            ),
            "public": cls.env.ref("base.public_user"),
        }
        cls.field_team = cls.env["crm.helpdesk.team"].create(
            {
                "name": "Field Service",
                "member_ids": [Command.set(cls.users["agent_other_team"].ids)],
            }
        )
        cls.team_b = cls.env["crm.helpdesk.team"].create(
            {"name": "Beta Hotline", "company_id": company_b.id}
        )
        Ticket = cls.env["crm.helpdesk.ticket"]

        def ticket(name, team, user, partner):
            return Ticket.create(
                {
                    "name": name,
                    "team_id": team.id if team else False,
                    "user_id": user.id if user else False,
                    "partner_id": partner.id,
                }
            )

        cls.ticket_anna = ticket("Matrix Drucker", cls.team, cls.agent_1, cls.contact_a1)
        cls.ticket_bert = ticket("Matrix Scanner", cls.team, cls.agent_2, cls.contact_a2)
        cls.ticket_open = ticket("Matrix Ohne Team", None, None, cls.contact_b1)
        cls.ticket_field = ticket(
            "Matrix Vor Ort", cls.field_team, cls.users["agent_other_team"], cls.contact_a1
        )
        cls.ticket_b = ticket("Matrix Hotline B", cls.team_b, None, cls.contact_a1)
        cls.tickets = (cls.ticket_anna | cls.ticket_bert | cls.ticket_open | cls.ticket_field
                       | cls.ticket_b)

        Answer = cls.env["crm.helpdesk.answer"]
        cls.answers = Answer.create(
            [
                {"name": "Matrix: Drucker neu starten", "is_published": True},
                {"name": "Matrix: interne Notiz", "is_published": False},
            ]
        )
        cls.env.flush_all()

    def test_tickets(self):
        read = ([("id", "in", self.tickets.ids)], "name")
        model = "crm.helpdesk.ticket"
        new_ticket = {"name": "Matrix Neu", "partner_id": self.contact_a1.id}
        cells = [
            # Agents see their teams' tickets, their own and unassigned ones.
            ("agent", model, "read", read,
             ["Matrix Drucker", "Matrix Ohne Team", "Matrix Scanner"]),
            ("agent_other_team", model, "read", read, ["Matrix Ohne Team", "Matrix Vor Ort"]),
            ("manager", model, "read", read,
             ["Matrix Drucker", "Matrix Ohne Team", "Matrix Scanner", "Matrix Vor Ort"]),
            ("other_company", model, "read", read, ["Matrix Hotline B"]),
            ("salesman", model, "read", read, DENIED),
            # A portal user sees the tickets they opened, never another customer's.
            ("portal", model, "read", read, ["Matrix Drucker", "Matrix Vor Ort"]),
            ("portal_beta", model, "read", read, ["Matrix Ohne Team"]),
            ("public", model, "read", read, DENIED),
            ("agent", model, "write", (self.ticket_bert, {"priority": "3"}), ALLOWED),
            ("agent", model, "write", (self.ticket_field, {"priority": "3"}), DENIED),
            ("other_company", model, "write", (self.ticket_anna, {"priority": "3"}), DENIED),
            ("portal", model, "write", (self.ticket_anna, {"priority": "3"}), DENIED),
            ("agent", model, "create", new_ticket, ALLOWED),
            ("salesman", model, "create", new_ticket, DENIED),
            ("portal", model, "create", new_ticket, DENIED),
            ("public", model, "create", new_ticket, DENIED),
            ("agent", model, "unlink", self.ticket_anna, DENIED),
            ("manager", model, "unlink", self.ticket_anna, ALLOWED),
            ("portal", model, "unlink", self.ticket_anna, DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_sla_lines_and_report(self):
        count = [("ticket_id", "in", self.tickets.ids)]
        sla_lines = self.env["crm.helpdesk.ticket.sla"].search(count)
        line_anna = sla_lines.filtered(lambda line: line.ticket_id == self.ticket_anna)[:1]
        self.assertTrue(line_anna, "the Standard policy applies to Customer Care tickets")

        def lines_of(*tickets):
            return len(sla_lines.filtered(lambda line: line.ticket_id in tickets))

        company_a_lines = lines_of(
            self.ticket_anna, self.ticket_bert, self.ticket_open, self.ticket_field
        )
        sla, report = "crm.helpdesk.ticket.sla", "crm.helpdesk.report"
        report_count = [("number", "in", self.tickets.mapped("number"))]
        cells = [
            ("agent", sla, "count", count,
             lines_of(self.ticket_anna, self.ticket_bert, self.ticket_open)),
            ("agent_other_team", sla, "count", count,
             lines_of(self.ticket_open, self.ticket_field)),
            ("manager", sla, "count", count, company_a_lines),
            ("other_company", sla, "count", count, lines_of(self.ticket_b)),
            ("agent", sla, "write", (line_anna, {"target_hours": 99.0}), DENIED),
            ("salesman", sla, "count", count, DENIED),
            ("portal", sla, "count", count, DENIED),
            ("agent", report, "count", report_count, 3),
            ("manager", report, "count", report_count, 4),
            ("other_company", report, "count", report_count, 1),
            ("salesman", report, "count", report_count, DENIED),
            ("portal", report, "count", report_count, DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_configuration(self):
        teams = ([("id", "in", (self.team | self.field_team | self.team_b).ids)], "name")
        cells = [
            ("salesman", "crm.helpdesk.team", "read", teams, ["Customer Care", "Field Service"]),
            ("other_company", "crm.helpdesk.team", "read", teams, ["Beta Hotline"]),
            ("portal", "crm.helpdesk.team", "read", teams, DENIED),
            ("public", "crm.helpdesk.team", "read", teams, DENIED),
            ("agent", "crm.helpdesk.team", "create", {"name": "Matrix Team"}, DENIED),
            ("manager", "crm.helpdesk.team", "create", {"name": "Matrix Team"}, ALLOWED),
            ("agent", "crm.helpdesk.stage", "write", (self.stage_new, {"sequence": 99}), DENIED),
            ("manager", "crm.helpdesk.stage", "write", (self.stage_new, {"sequence": 99}), ALLOWED),
            ("portal", "crm.helpdesk.stage", "count", [], DENIED),
            ("agent", "crm.helpdesk.tag", "create", {"name": "Matrix Tag"}, ALLOWED),
            ("salesman", "crm.helpdesk.tag", "create", {"name": "Matrix Tag"}, DENIED),
            ("agent", "crm.helpdesk.category", "create", {"name": "Matrix Kategorie"}, DENIED),
            ("manager", "crm.helpdesk.category", "create", {"name": "Matrix Kategorie"}, ALLOWED),
            ("agent", "crm.helpdesk.sla", "write",
             (self.policy, {"resolution_hours": 1.0}), DENIED),
            ("other_company", "crm.helpdesk.sla", "count", [("id", "=", self.policy.id)], 0),
            ("portal", "crm.helpdesk.sla", "count", [], DENIED),
            ("agent", "crm.helpdesk.support.plan", "create", {"name": "Matrix Gold"}, DENIED),
            ("portal", "crm.helpdesk.support.plan", "count", [], DENIED),
            ("portal", "crm.helpdesk.ticket.merge", "count", [], DENIED),
            ("salesman", "crm.helpdesk.workload", "count", [], DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_knowledge_base(self):
        read = ([("id", "in", self.answers.ids)], "name")
        published = ["Matrix: Drucker neu starten"]
        both = ["Matrix: Drucker neu starten", "Matrix: interne Notiz"]
        model = "crm.helpdesk.answer"
        cells = [
            ("agent", model, "read", read, both),
            ("salesman", model, "read", read, both),
            ("portal", model, "read", read, published),
            ("public", model, "read", read, published),
            ("agent", model, "write", (self.answers[0], {"name": "Matrix: neu"}), ALLOWED),
            ("salesman", model, "write", (self.answers[0], {"name": "Matrix: neu"}), DENIED),
            ("portal", model, "write", (self.answers[0], {"name": "Matrix: neu"}), DENIED),
            ("public", model, "write", (self.answers[0], {"name": "Matrix: neu"}), DENIED),
            ("public", model, "create", {"name": "Matrix: Spam"}, DENIED),
            ("agent", model, "unlink", self.answers[0], DENIED),
            ("manager", model, "unlink", self.answers[0], ALLOWED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_customer_figures(self):
        """Ticket counts of a customer cover the enabled companies only and
        never raise for a user who cannot read the tickets."""

        def ticket_count(Partner):
            return Partner.browse(self.customer_a.id).read(["crm_helpdesk_ticket_count"])[0][
                "crm_helpdesk_ticket_count"
            ]

        # Alpha: Anna's, Bert's and the Field Service ticket in company A,
        # the Beta Hotline ticket in company B.
        model = "res.partner"
        cells = [
            ("agent", model, "call", ticket_count, 3),
            ("salesman", model, "call", ticket_count, 3),
            ("other_company", model, "call", ticket_count, 1),
            # The counts are for employees, even on the portal user's own company.
            ("portal", model, "call", ticket_count, DENIED),
            ("portal_beta", model, "call", ticket_count, DENIED),
            ("public", model, "call", ticket_count, DENIED),
        ]
        self.run_access_matrix(self.users, cells)
