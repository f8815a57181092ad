import re

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon, utc


@tagged("post_install", "-at_install")
class TestPortalAccess(HttpCase, HelpdeskCommon):
    """Portal pages requested over HTTP by the contacts of two customers.

    Alpha GmbH has Alice (ticket_alice) and Arno (ticket_arno); Beta AG has
    Bianca (ticket_bianca). Bianca follows Alice's ticket and Alice follows
    Bianca's, so followers from another company are present on both sides.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_alice = new_test_user(
            cls.env, "desk_portal_alice", groups="base.group_portal", partner_id=cls.contact_a1.id
        )
        cls.portal_arno = new_test_user(
            cls.env, "desk_portal_arno", groups="base.group_portal", partner_id=cls.contact_a2.id
        )
        cls.portal_bianca = new_test_user(
            cls.env, "desk_portal_bianca", groups="base.group_portal", partner_id=cls.contact_b1.id
        )
        Ticket = cls.env["crm.helpdesk.ticket"]
        cls.ticket_alice = Ticket.create(
            {
                "name": "Alice cannot print",
                "partner_id": cls.contact_a1.id,
                "team_id": cls.team.id,
                "date_open": utc(2026, 3, 2, 7, 0),
            }
        )
        cls.ticket_arno = Ticket.create(
            {
                "name": "Arno needs a licence",
                "partner_id": cls.contact_a2.id,
                "team_id": cls.team.id,
                "date_open": utc(2026, 3, 2, 7, 0),
            }
        )
        cls.ticket_bianca = Ticket.create(
            {
                "name": "Bianca invoice question",
                "partner_id": cls.contact_b1.id,
                "team_id": cls.team.id,
                "date_open": utc(2026, 3, 2, 7, 0),
            }
        )
        cls.ticket_alice.message_subscribe(partner_ids=cls.contact_b1.ids)
        cls.ticket_bianca.message_subscribe(partner_ids=cls.contact_a1.ids)
        cls.ticket_arno.message_subscribe(partner_ids=cls.contact_a1.ids)

        cls.attachment_bianca = cls.env["ir.attachment"].create(
            {
                "name": "beta-contract.txt",
                "raw": b"Beta AG confidential terms",
                "res_model": "crm.helpdesk.ticket",
                "res_id": cls.ticket_bianca.id,
            }
        )
        cls.ticket_bianca.message_post(
            body="Contract attached",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=cls.attachment_bianca.ids,
        )
        cls.attachment_alice = cls.env["ir.attachment"].create(
            {
                "name": "alpha-printer.txt",
                "raw": b"Alpha printer log",
                "res_model": "crm.helpdesk.ticket",
                "res_id": cls.ticket_alice.id,
            }
        )
        cls.ticket_alice.message_post(
            body="Log attached",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=cls.attachment_alice.ids,
        )
        cls.lead_beta = cls.env["crm.lead"].create(
            {"name": "Beta AG expansion", "partner_id": cls.customer_b.id, "type": "opportunity"}
        )
        cls.ticket_bianca.lead_id = cls.lead_beta

    def _get(self, login, url):
        self.authenticate(login, login)
        response = self.url_open(url)
        self.assertNotIn("AccessError", response.text)
        self.assertNotIn("Traceback", response.text)
        return response

    def _visible_numbers(self, login):
        html = self._get(login, "/my/support-tickets?filterby=all").text
        tickets = self.ticket_alice | self.ticket_arno | self.ticket_bianca
        return {ticket.number for ticket in tickets if ticket.number in html}

    def _assert_ticket_page_denied(self, login, ticket):
        response = self._get(login, f"/my/support-ticket/{ticket.id}")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/my"), f"{login} was not sent back to /my")
        self.assertNotIn(ticket.name, response.text)

    def test_portal_ticket_figures_denied(self):
        """The ticket counts on a customer are for employees; a contact of the
        customer reads its company, but the counts raise AccessError."""
        company = self.customer_a.with_user(self.portal_alice)
        self.assertEqual(company.read(["name"])[0]["name"], "Alpha GmbH")
        for field_name in (
            "crm_helpdesk_open_ticket_count",
            "crm_helpdesk_ticket_count",
            "crm_helpdesk_breached_ticket_count",
        ):
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                company.read([field_name])
        self.assertEqual(self.customer_a.crm_helpdesk_open_ticket_count, 2)

    def test_visibility_own_tickets(self):
        self.assertEqual(self.customer_a.crm_helpdesk_portal_visibility, "own")
        self.assertEqual(self._visible_numbers("desk_portal_alice"), {self.ticket_alice.number})
        page = self._get("desk_portal_alice", f"/my/support-ticket/{self.ticket_alice.id}")
        self.assertIn("Alice cannot print", page.text)
        self._assert_ticket_page_denied("desk_portal_alice", self.ticket_arno)
        self._assert_ticket_page_denied("desk_portal_alice", self.ticket_bianca)

    def test_visibility_followed_tickets(self):
        self.customer_a.crm_helpdesk_portal_visibility = "followed"
        # Alice follows Arno's ticket and Bianca's; only the one of her company shows.
        self.assertEqual(
            self._visible_numbers("desk_portal_alice"),
            {self.ticket_alice.number, self.ticket_arno.number},
        )
        self._assert_ticket_page_denied("desk_portal_alice", self.ticket_bianca)
        self.assertEqual(self._visible_numbers("desk_portal_arno"), {self.ticket_arno.number})

    def test_visibility_company_tickets(self):
        self.customer_a.crm_helpdesk_portal_visibility = "company"
        self.assertEqual(
            self._visible_numbers("desk_portal_arno"),
            {self.ticket_alice.number, self.ticket_arno.number},
        )
        self._assert_ticket_page_denied("desk_portal_arno", self.ticket_bianca)

    def test_follower_of_other_company_sees_nothing(self):
        self.customer_b.crm_helpdesk_portal_visibility = "followed"
        self.assertEqual(self._visible_numbers("desk_portal_bianca"), {self.ticket_bianca.number})
        self._assert_ticket_page_denied("desk_portal_bianca", self.ticket_alice)

    def test_search_as_portal_user(self):
        Ticket = self.env["crm.helpdesk.ticket"].with_user(self.portal_bianca)
        self.assertEqual(Ticket.search([]), self.ticket_bianca)
        self.customer_a.crm_helpdesk_portal_visibility = "company"
        Ticket = self.env["crm.helpdesk.ticket"].with_user(self.portal_alice)
        self.assertEqual(Ticket.search([]), self.ticket_alice | self.ticket_arno)

    @mute_logger("odoo.http")
    def test_attachments_of_other_customer_denied(self):
        page = self._get("desk_portal_alice", f"/my/support-ticket/{self.ticket_alice.id}")
        link = re.search(
            rf'href="(/web/content/{self.attachment_alice.id}\?download=true&amp;access_token=[^"]+)"',
            page.text,
        )
        self.assertTrue(link, "the ticket page links its attachment")
        own = self.url_open(link.group(1).replace("&amp;", "&"))
        self.assertEqual(own.status_code, 200)
        self.assertEqual(own.content, b"Alpha printer log")
        foreign = self.url_open(f"/web/content/{self.attachment_bianca.id}?download=true")
        self.assertIn(foreign.status_code, (403, 404))
        self.assertNotIn(b"confidential", foreign.content)

    @mute_logger("odoo.http")
    def test_internal_note_attachment_not_listed(self):
        """A file attached to an internal note gets no portal link or token."""
        note_file = self.env["ir.attachment"].create(
            {
                "name": "internal-cost-estimate.txt",
                "raw": b"Margin 42 percent",
                "res_model": "crm.helpdesk.ticket",
                "res_id": self.ticket_alice.id,
            }
        )
        self.ticket_alice.message_post(
            body="Cost estimate for the team",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachment_ids=note_file.ids,
        )
        page = self._get("desk_portal_alice", f"/my/support-ticket/{self.ticket_alice.id}")
        self.assertIn("alpha-printer.txt", page.text)
        self.assertNotIn("internal-cost-estimate.txt", page.text)
        self.assertFalse(note_file.access_token)
        download = self.url_open(f"/web/content/{note_file.id}?download=true")
        self.assertIn(download.status_code, (403, 404))
        self.assertNotIn(b"Margin", download.content)

    def test_linked_document_hidden_without_access(self):
        page = self._get("desk_portal_bianca", f"/my/support-ticket/{self.ticket_bianca.id}")
        self.assertIn("Bianca invoice question", page.text)
        self.assertIn("beta-contract.txt", page.text)
        self.assertNotIn("Beta AG expansion", page.text, "portal users cannot read opportunities")

    def test_portal_menu_before_first_ticket(self):
        new_customer = self.env["res.partner"].create(
            {"name": "Delta KG", "email": "info@delta.example.com"}
        )
        new_test_user(
            self.env, "desk_portal_delta", groups="base.group_portal", partner_id=new_customer.id
        )
        home = self._get("desk_portal_delta", "/my")
        self.assertIn('href="/my/support-tickets"', home.text)
        self.assertIn("Support Tickets", home.text)
        listing = self._get("desk_portal_delta", "/my/support-tickets")
        self.assertIn("/my/support-tickets/new", listing.text)

    def test_submit_ticket_from_portal_form(self):
        category = self.env["crm.helpdesk.category"].create(
            {"name": "Printers", "team_id": self.team.id}
        )
        self.authenticate("desk_portal_arno", "desk_portal_arno")
        form = self.url_open(f"/my/support-tickets/new?category_id={category.id}")
        self.assertIn("Printers", form.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        response = self.url_open(
            "/my/support-tickets/new",
            data={
                "csrf_token": csrf,
                "name": "Scanner jams",
                "description": "Paper jam on every page.",
                "category_id": str(category.id),
            },
        )
        ticket = self.env["crm.helpdesk.ticket"].search([("name", "=", "Scanner jams")])
        self.assertEqual(len(ticket), 1)
        self.assertTrue(response.url.endswith(f"/my/support-ticket/{ticket.id}"))
        self.assertEqual(ticket.partner_id, self.contact_a2)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.channel, "portal")
        self.assertIn(self.contact_a2, ticket.message_partner_ids)
        self.assertIn("Paper jam", ticket.description)
        event = self.env["crm.score.event"].search(
            [("source_ref", "=", f"crm.helpdesk.ticket,{ticket.id}")]
        )
        self.assertEqual(event.event_type, "form_submit")

    def test_submit_rejects_foreign_team(self):
        hidden = self.env["crm.helpdesk.team"].create(
            {"name": "Internal IT", "portal_published": False}
        )
        self.authenticate("desk_portal_arno", "desk_portal_arno")
        form = self.url_open("/my/support-tickets/new")
        self.assertNotIn("Internal IT", form.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        response = self.url_open(
            "/my/support-tickets/new",
            data={"csrf_token": csrf, "name": "Let me in", "team_id": str(hidden.id)},
        )
        self.assertIn("This choice is not available", response.text)
        self.assertFalse(self.env["crm.helpdesk.ticket"].search([("name", "=", "Let me in")]))

    def test_portal_reply_posts_only_on_visible_ticket(self):
        self.authenticate("desk_portal_alice", "desk_portal_alice")
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "crm.helpdesk.ticket",
                "thread_id": self.ticket_alice.id,
                "post_data": {"body": "Printer still offline", "message_type": "comment"},
            },
        )
        self.assertIn(
            "Printer still offline", "".join(self.ticket_alice.message_ids.mapped("body"))
        )
        with mute_logger("odoo.http"), self.assertRaises(Exception):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "crm.helpdesk.ticket",
                    "thread_id": self.ticket_bianca.id,
                    "post_data": {"body": "Sneaky", "message_type": "comment"},
                },
            )
        self.assertNotIn("Sneaky", "".join(self.ticket_bianca.message_ids.mapped("body")))

    def test_knowledge_base_shows_published_answers(self):
        Answer = self.env["crm.helpdesk.answer"]
        Answer.create(
            {
                "name": "How do I reset my password?",
                "body": "<p>Use the link.</p>",
                "is_published": True,
            }
        )
        Answer.create(
            {"name": "Password policy draft", "body": "<p>Internal</p>", "is_published": False}
        )
        page = self._get("desk_portal_alice", "/support/answers?search=password")
        self.assertIn("How do I reset my password?", page.text)
        self.assertNotIn("Password policy draft", page.text)
        self.assertEqual(
            Answer.with_user(self.portal_alice)
            .search([("name", "ilike", "password")])
            .mapped("name"),
            ["How do I reset my password?"],
        )

    def test_hostile_search_and_form_input(self):
        """NUL characters, many words and markup from visitors give pages, not errors."""
        self.env["crm.helpdesk.answer"].create(
            {"name": "Printer offline", "body": "<p>Restart it.</p>", "is_published": True}
        )
        self.authenticate(None, None)
        page = self.url_open("/support/answers?search=Prin%00ter")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Printer offline", page.text)
        many_words = "+".join(["printer"] + ["x%d" % n for n in range(2000)])
        self.assertEqual(self.url_open(f"/support/answers?search={many_words}").status_code, 200)
        domain = self.env["crm.helpdesk.answer"]._get_portal_search_domain("a " * 500)
        self.assertEqual(len(domain), 1 + 10 * 5)

        self.authenticate("desk_portal_alice", "desk_portal_alice")
        self.assertEqual(self.url_open("/my/support-tickets?search=TK%00").status_code, 200)
        form = self.url_open("/my/support-tickets/new")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        response = self.url_open(
            "/my/support-tickets/new",
            data={
                "csrf_token": csrf,
                "name": "Scan\x00ner <img src=x onerror=alert(1)>",
                "description": "<script>alert(2)</script>",
            },
        )
        self.assertEqual(response.status_code, 200)
        ticket = self.env["crm.helpdesk.ticket"].search([("partner_id", "=", self.contact_a1.id)])
        ticket = ticket.filtered(lambda t: t.name.startswith("Scanner"))
        self.assertEqual(ticket.name, "Scanner <img src=x onerror=alert(1)>")
        self.assertNotIn("<script>", ticket.description)
        self.assertNotIn("<img src=x", response.text)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", response.text)


@tagged("post_install", "-at_install")
class TestPortalCompanies(HttpCase, HelpdeskCommon):
    """Teams, categories and answers of another company stay off the portal.

    Alice's customer Alpha GmbH is shared between companies, so Alice gets
    what her user's company offers. Gus is the contact of Gamma SARL, a
    customer of the second company "Desk Two".
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_two = cls.env["res.company"].create({"name": "Desk Two"})
        new_test_user(
            cls.env, "desk_portal_alice", groups="base.group_portal", partner_id=cls.contact_a1.id
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
        new_test_user(
            cls.env,
            "desk_portal_gus",
            groups="base.group_portal",
            partner_id=contact_gus.id,
            company_id=cls.company_two.id,
            company_ids=[Command.set(cls.company_two.ids)],
        )
        cls.team_two = cls.env["crm.helpdesk.team"].create(
            {"name": "Second Desk Hotline", "company_id": cls.company_two.id}
        )
        cls.category_two = cls.env["crm.helpdesk.category"].create(
            {"name": "Second Desk Hardware", "company_id": cls.company_two.id}
        )
        Answer = cls.env["crm.helpdesk.answer"]
        cls.answer_shared = Answer.create(
            {"name": "Printer answer for all", "is_published": True, "company_id": False}
        )
        cls.answer_one = Answer.create(
            {"name": "Printer answer of the first company", "is_published": True}
        )
        cls.answer_two = Answer.create(
            {
                "name": "Printer answer of Desk Two",
                "is_published": True,
                "company_id": cls.company_two.id,
            }
        )

    def _form(self, login):
        self.authenticate(login, login)
        form = self.url_open("/my/support-tickets/new")
        self.assertEqual(form.status_code, 200)
        return form

    def test_form_lists_teams_of_customer_company(self):
        form = self._form("desk_portal_alice")
        self.assertIn("Customer Care", form.text)
        self.assertNotIn("Second Desk Hotline", form.text)
        self.assertNotIn("Second Desk Hardware", form.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        for key, record in (("team_id", self.team_two), ("category_id", self.category_two)):
            with self.subTest(field=key):
                response = self.url_open(
                    "/my/support-tickets/new",
                    data={"csrf_token": csrf, "name": f"Via {key}", key: str(record.id)},
                )
                self.assertIn("This choice is not available", response.text)
                self.assertFalse(
                    self.env["crm.helpdesk.ticket"].search([("name", "=", f"Via {key}")])
                )

        form = self._form("desk_portal_gus")
        self.assertIn("Second Desk Hotline", form.text)
        self.assertIn("Second Desk Hardware", form.text)
        self.assertNotIn("Customer Care", form.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        self.url_open(
            "/my/support-tickets/new",
            data={"csrf_token": csrf, "name": "Gamma printer", "description": "Jammed"},
        )
        ticket = self.env["crm.helpdesk.ticket"].search([("name", "=", "Gamma printer")])
        self.assertEqual(ticket.team_id, self.team_two)
        self.assertEqual(ticket.company_id, self.company_two)

    def test_knowledge_base_keeps_to_company(self):
        expectations = {
            None: {self.answer_shared, self.answer_one},
            "desk_portal_alice": {self.answer_shared, self.answer_one},
            "desk_portal_gus": {self.answer_shared, self.answer_two},
        }
        every = self.answer_shared | self.answer_one | self.answer_two
        for login, visible in expectations.items():
            with self.subTest(login=login):
                self.authenticate(login, login)
                page = self.url_open("/support/answers?search=printer")
                self.assertEqual(page.status_code, 200)
                shown = {answer for answer in every if answer.name in page.text}
                self.assertEqual(shown, visible)
                for answer in every:
                    detail = self.url_open(f"/support/answers/{answer.id}")
                    if answer in visible:
                        self.assertTrue(detail.url.endswith(f"/support/answers/{answer.id}"))
                    else:
                        self.assertTrue(detail.url.endswith("/support/answers"), detail.url)
                        self.assertNotIn(answer.name, detail.text)
