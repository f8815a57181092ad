import logging
import re
from urllib.parse import urlsplit

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon, utc

_logger = logging.getLogger(__name__)

# The five kinds of visitor of every route, by login (None: not logged in).
PUBLIC = None
OWN = "route_portal_alice"
OTHER = "route_portal_bianca"
FOREIGN = "route_portal_gus"
INTERNAL = "desk_agent_1"
VISITORS = (PUBLIC, OWN, OTHER, FOREIGN, INTERNAL)


@tagged("post_install", "-at_install")
class TestHttpRouteMatrix(HttpCase, HelpdeskCommon):
    """Every route of the portal controller, requested over HTTP by each visitor.

    - OWN: Alice, contact of Alpha GmbH, whose ticket the routes show;
    - OTHER: Bianca, contact of Beta AG, another customer of the same company;
    - FOREIGN: Gus, contact of Gamma SARL, a customer of the company "Route Two";
    - INTERNAL: Anna, agent of the team "Customer Care" in the first company;
    - PUBLIC: a visitor who is not logged in.

    Each cell checks the status, where the request ended and which records the
    page names, and that no page shows a traceback.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_two = cls.env["res.company"].create({"name": "Route Two"})
        cls.team_two = cls.env["crm.helpdesk.team"].create(
            {"name": "Route Two Hotline", "company_id": cls.company_two.id}
        )
        customer_gamma = cls.env["res.partner"].create(
            {"name": "Gamma SARL", "is_company": True, "company_id": cls.company_two.id}
        )
        contact_gus = cls.env["res.partner"].create(
            {
                "name": "Gus Gamma",
                "email": "gus@gamma.example.com",
                "parent_id": customer_gamma.id,
                "company_id": cls.company_two.id,
            }
        )
        # new_test_user writes the user's name and email on the contact.
        for login, contact in ((OWN, cls.contact_a1), (OTHER, cls.contact_b1)):
            new_test_user(
                cls.env,
                login,
                groups="base.group_portal",
                partner_id=contact.id,
                name=contact.name,
                email=contact.email,
            )
        new_test_user(
            cls.env,
            FOREIGN,
            groups="base.group_portal",
            partner_id=contact_gus.id,
            name=contact_gus.name,
            email=contact_gus.email,
            company_id=cls.company_two.id,
            company_ids=[Command.set(cls.company_two.ids)],
        )

        Ticket = cls.env["crm.helpdesk.ticket"]
        cls.ticket_alice = Ticket.create(
            {
                "name": "Alice route printer",
                "partner_id": cls.contact_a1.id,
                "team_id": cls.team.id,
                "date_open": utc(2026, 3, 2, 7, 0),
            }
        )
        cls.ticket_alice._portal_ensure_token()
        attachment = cls.env["ir.attachment"].create(
            {
                "name": "alice-route-log.txt",
                "raw": b"Alpha log",
                "res_model": "crm.helpdesk.ticket",
                "res_id": cls.ticket_alice.id,
            }
        )
        cls.ticket_alice.message_post(
            body="Log for the route test",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachment.ids,
        )
        cls.ticket_bianca = Ticket.create(
            {
                "name": "Bianca route invoice",
                "partner_id": cls.contact_b1.id,
                "team_id": cls.team.id,
                "date_open": utc(2026, 3, 2, 7, 0),
            }
        )
        cls.ticket_gus = Ticket.create(
            {
                "name": "Gus route modem",
                "partner_id": contact_gus.id,
                "team_id": cls.team_two.id,
                "date_open": utc(2026, 3, 2, 7, 0),
            }
        )
        Answer = cls.env["crm.helpdesk.answer"]
        cls.answer_published = Answer.create(
            {"name": "Route answer published", "is_published": True}
        )
        cls.answer_draft = Answer.create({"name": "Route answer draft", "is_published": False})
        cls.answer_two = Answer.create(
            {
                "name": "Route answer of Route Two",
                "is_published": True,
                "company_id": cls.company_two.id,
            }
        )
        cls.requests_sent = 0

    @classmethod
    def tearDownClass(cls):
        _logger.info("HTTP route matrix of crm_helpdesk: %s requests", cls.requests_sent)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.session_login = "no session yet"

    def _open(self, login, path, data=None):
        """Request ``path`` as ``login``; return (status, final path, page text).

        The session is kept between requests of one visitor, so that a CSRF
        token read from a page stays valid for the next post.
        """
        if login != self.session_login:
            self.authenticate(login, login)
            self.session_login = login
        response = self.url_open(path, data=data)
        type(self).requests_sent += 1
        self.assertNotIn("Traceback", response.text, f"{login} on {path}")
        return response.status_code, urlsplit(response.url).path, response.text

    def _assert_cell(self, login, path, status, end, shown=(), hidden=(), data=None):
        got_status, got_end, text = self._open(login, path, data=data)
        cell = f"{login or 'public'} on {path}"
        self.assertEqual(got_status, status, cell)
        self.assertEqual(got_end, end, cell)
        for name in shown:
            self.assertIn(name, text, cell)
        for name in hidden:
            self.assertNotIn(name, text, cell)
        return text

    def _csrf(self, login):
        _status, _end, text = self._open(login, "/support/answers")
        return re.search(r'csrf_token: "([^"]+)"', text).group(1)

    def test_ticket_list(self):
        alice, bianca, gus = self.ticket_alice, self.ticket_bianca, self.ticket_gus
        every = {alice.name, bianca.name, gus.name}
        visible = {
            OWN: {alice.name},
            OTHER: {bianca.name},
            FOREIGN: {gus.name},
            INTERNAL: {alice.name, bianca.name},
        }
        for path in ("/my/support-tickets?filterby=all", "/my/support-tickets/page/1?filterby=all"):
            self._assert_cell(PUBLIC, path, 200, "/web/login", hidden=every)
            for login, names in visible.items():
                self._assert_cell(login, path, 200, path.split("?")[0], names, every - names)

    def test_home_counter(self):
        expected = {OWN: 1, OTHER: 1, FOREIGN: 1, INTERNAL: 2}
        for login, count in expected.items():
            self.authenticate(login, login)
            counters = self.make_jsonrpc_request(
                "/my/counters", {"counters": ["crm_helpdesk_ticket_count"]}
            )
            type(self).requests_sent += 1
            self.assertEqual(counters["crm_helpdesk_ticket_count"], count, login)

    def test_ticket_page(self):
        path = f"/my/support-ticket/{self.ticket_alice.id}"
        secret = [self.ticket_alice.name, "alice-route-log.txt"]
        self._assert_cell(PUBLIC, path, 200, "/web/login", hidden=secret)
        self._assert_cell(OWN, path, 200, path, shown=secret)
        self._assert_cell(OTHER, path, 200, "/my", hidden=secret)
        self._assert_cell(FOREIGN, path, 200, "/my", hidden=secret)
        self._assert_cell(INTERNAL, path, 200, path, shown=secret)

        # The agent works in the first company only.
        gus_path = f"/my/support-ticket/{self.ticket_gus.id}"
        self._assert_cell(INTERNAL, gus_path, 200, "/my", hidden=[self.ticket_gus.name])
        self._assert_cell(FOREIGN, gus_path, 200, gus_path, shown=[self.ticket_gus.name])

        # The link of the customer's mails carries the ticket's token, which
        # opens the page for whoever holds the mail. A wrong token opens only
        # what the visitor may read without one.
        token_path = f"{path}?access_token={self.ticket_alice.access_token}"
        wrong_path = f"{path}?access_token={'0' * 36}"
        for login in VISITORS:
            self._assert_cell(login, token_path, 200, path, shown=[self.ticket_alice.name])
            if login in (OWN, INTERNAL):
                self._assert_cell(login, wrong_path, 200, path, shown=secret)
            else:
                end = "/web/login" if login is PUBLIC else "/my"
                self._assert_cell(login, wrong_path, 200, end, hidden=secret)
            self._assert_cell(
                login,
                "/my/support-ticket/987654321",
                200,
                "/web/login" if login is PUBLIC else "/my",
            )

    def test_new_ticket_form(self):
        path = "/my/support-tickets/new"
        self._assert_cell(PUBLIC, path, 200, "/web/login", hidden=["Customer Care"])
        for login in (OWN, OTHER, INTERNAL):
            self._assert_cell(login, path, 200, path, ["Customer Care"], ["Route Two Hotline"])
        self._assert_cell(FOREIGN, path, 200, path, ["Route Two Hotline"], ["Customer Care"])

    def test_new_ticket_post(self):
        Ticket = self.env["crm.helpdesk.ticket"]
        path = "/my/support-tickets/new"
        posted = {"name": "Posted by public", "csrf_token": self._csrf(PUBLIC)}
        self._assert_cell(PUBLIC, path, 200, "/web/login", data=posted)
        self.assertFalse(Ticket.search([("name", "=", "Posted by public")]))

        expected = {
            OWN: (self.contact_a1, self.team, self.env.company),
            OTHER: (self.contact_b1, self.team, self.env.company),
            FOREIGN: (self.ticket_gus.partner_id, self.team_two, self.company_two),
            INTERNAL: (self.agent_1.partner_id, self.team, self.env.company),
        }
        for login, (partner, team, company) in expected.items():
            name = f"Posted by {login}"
            data = {"name": name, "description": "Details", "csrf_token": self._csrf(login)}
            _status, end, _text = self._open(login, path, data=data)
            ticket = Ticket.search([("name", "=", name)])
            self.assertEqual(len(ticket), 1, login)
            self.assertEqual(end, f"/my/support-ticket/{ticket.id}", login)
            self.assertEqual(ticket.partner_id, partner, login)
            self.assertEqual(ticket.team_id, team, login)
            self.assertEqual(ticket.company_id, company, login)

        # A team of another company, or an unknown one, is never taken.
        for login, team in ((OWN, self.team_two), (FOREIGN, self.team), (OTHER, Ticket.browse())):
            name = f"Wrong team by {login}"
            data = {
                "name": name,
                "team_id": str(team.id or 987654321),
                "csrf_token": self._csrf(login),
            }
            self._assert_cell(
                login, path, 200, path, shown=["This choice is not available"], data=data
            )
            self.assertFalse(Ticket.search([("name", "=", name)]), login)

    def test_knowledge_base(self):
        first = self.answer_published.name
        draft = self.answer_draft.name
        two = self.answer_two.name
        for login in VISITORS:
            shown, hidden = ([two], [first, draft]) if login == FOREIGN else ([first], [draft, two])
            self._assert_cell(login, "/support/answers?search=route", 200, "/support/answers",
                              shown, hidden)
            self._assert_cell(
                login, f"/support/answers/{self.answer_draft.id}", 200, "/support/answers",
                hidden=[draft],
            )
            for answer in (self.answer_published, self.answer_two):
                path = f"/support/answers/{answer.id}"
                if answer.name in shown:
                    self._assert_cell(login, path, 200, path, shown=[answer.name])
                else:
                    self._assert_cell(login, path, 200, "/support/answers", hidden=[answer.name])

    @mute_logger("odoo.http")
    def test_routes_of_other_helpdesks_left_free(self):
        """OCA helpdesk_mgmt and Odoo Enterprise Helpdesk serve these paths;
        without them installed, nobody gets a page of ours there."""
        for login in VISITORS:
            for path in (
                "/my/tickets",
                f"/my/ticket/{self.ticket_alice.id}",
                "/helpdesk/answers",
            ):
                status, _end, text = self._open(login, path)
                self.assertEqual(status, 404, f"{login} on {path}")
                self.assertNotIn(self.ticket_alice.name, text)
