from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon

NEW_MAIL = """Return-Path: <{sender_address}>
To: support@desk.example.com
Cc: {cc}
From: {sender}
Subject: {subject}
Message-ID: <{message_id}>
Date: Mon, 02 Mar 2026 09:12:43 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit
{extra_headers}
{body}
"""


@tagged("post_install", "-at_install")
class TestMailGateway(HelpdeskCommon):
    def _process(
        self,
        sender,
        subject,
        message_id,
        body="Our printer shows error E42.",
        cc="",
        extra_headers="",
    ):
        raw = NEW_MAIL.format(
            sender=sender,
            sender_address=sender.split("<")[-1].strip(">"),
            cc=cc,
            subject=subject,
            message_id=message_id,
            body=body,
            extra_headers=extra_headers,
        )
        return self.env["mail.thread"].message_process(None, raw)

    def _tickets(self):
        return self.env["crm.helpdesk.ticket"].search([("team_id", "=", self.team.id)])

    def _acknowledgements(self, ticket):
        return ticket.message_ids.filtered(
            lambda message: message.subject
            and message.subject.startswith(f"[{ticket.number}]")
            and "We received your request" in (message.body or "")
        )

    def test_new_mail_creates_ticket_with_contact_and_followers(self):
        self._process(
            "Carla Customer <carla@gamma.example.com>",
            "Printer offline",
            "new-1@gamma.example.com",
            cc="Arno Alpha <arno@alpha.example.com>, nina.new@gamma.example.com",
        )
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.name, "Printer offline")
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(ticket.partner_id.email, "carla@gamma.example.com")
        self.assertEqual(ticket.partner_id.name, "Carla Customer")
        self.assertIn("E42", ticket.description)
        followers = ticket.message_partner_ids
        self.assertIn(ticket.partner_id, followers)
        self.assertIn(self.contact_a2, followers)
        self.assertIn("nina.new@gamma.example.com", followers.mapped("email"))
        ack = self._acknowledgements(ticket)
        self.assertEqual(len(ack), 1)
        self.assertEqual(ack.subject, f"[{ticket.number}] Printer offline")
        self.assertEqual(ack.partner_ids, ticket.partner_id)
        self.assertTrue(ticket.sla_line_ids, "the team policy applies to mailed tickets")

    def test_known_sender_is_the_contact(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "new-2@alpha.example.com"
        )
        ticket = self._tickets()
        self.assertEqual(ticket.partner_id, self.contact_a1)
        self.assertEqual(ticket.commercial_partner_id, self.customer_a)

    def test_reply_with_headers_threads(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "thread-1@alpha.example.com"
        )
        ticket = self._tickets()
        self._process(
            "Alice Alpha <alice@alpha.example.com>",
            "Re: something else entirely",
            "thread-2@alpha.example.com",
            body="It works again after a restart.",
            extra_headers="In-Reply-To: <thread-1@alpha.example.com>\n"
            "References: <thread-1@alpha.example.com>",
        )
        self.assertEqual(self._tickets(), ticket)
        self.assertIn("after a restart", "".join(ticket.message_ids.mapped("body")))

    def test_reply_to_acknowledgement_threads(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "ack-1@alpha.example.com"
        )
        ticket = self._tickets()
        ack = self._acknowledgements(ticket)
        self._process(
            "Alice Alpha <alice@alpha.example.com>",
            "Re: thanks",
            "ack-2@alpha.example.com",
            body="Thanks, waiting for you.",
            extra_headers=f"In-Reply-To: {ack.message_id}\nReferences: {ack.message_id}",
        )
        self.assertEqual(self._tickets(), ticket)
        self.assertIn("waiting for you", "".join(ticket.message_ids.mapped("body")))

    def test_reply_without_headers_threads_by_subject(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "subj-1@alpha.example.com"
        )
        ticket = self._tickets()
        # Arno is a colleague of Alice at the same customer; his client dropped the headers.
        self._process(
            "Arno Alpha <arno@alpha.example.com>",
            f"AW: [{ticket.number}] VPN broken",
            "subj-2@alpha.example.com",
            body="Same problem on my laptop.",
        )
        self.assertEqual(self._tickets(), ticket)
        self.assertIn("my laptop", "".join(ticket.message_ids.mapped("body")))
        self.assertEqual(len(self._acknowledgements(ticket)), 1, "a reply is not acknowledged")

    def test_subject_reference_of_stranger_opens_new_ticket(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "stranger-1@alpha.example.com"
        )
        ticket = self._tickets()
        self._process(
            "Bianca Beta <bianca@beta.example.com>",
            f"Re: [{ticket.number}] VPN broken",
            "stranger-2@beta.example.com",
            body="Injected text.",
        )
        tickets = self._tickets()
        self.assertEqual(len(tickets), 2)
        self.assertNotIn("Injected", "".join(ticket.message_ids.mapped("body")))
        self.assertEqual((tickets - ticket).partner_id, self.contact_b1)

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_duplicate_delivery_creates_nothing_twice(self):
        for _delivery in range(2):
            self._process(
                "Alice Alpha <alice@alpha.example.com>", "VPN broken", "dup-1@alpha.example.com"
            )
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        incoming = ticket.message_ids.filtered(
            lambda message: message.message_id == "<dup-1@alpha.example.com>"
        )
        self.assertEqual(len(incoming), 1)
        self.assertEqual(len(self._acknowledgements(ticket)), 1)

    def test_auto_reply_gets_no_acknowledgement(self):
        self._process(
            "Out Of Office <ooo@gamma.example.com>",
            "Automatic reply: I am on holiday",
            "auto-1@gamma.example.com",
            body="I am out of office until Monday.",
            extra_headers="Auto-Submitted: auto-replied",
        )
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1, "the mail is kept as a ticket, not dropped")
        self.assertFalse(self._acknowledgements(ticket))

    def test_autoresponder_answering_acknowledgement_does_not_loop(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "loop-1@alpha.example.com"
        )
        ticket = self._tickets()
        for attempt in range(3):
            self._process(
                "Alice Alpha <alice@alpha.example.com>",
                f"Automatic reply: [{ticket.number}] VPN broken",
                f"loop-reply-{attempt}@alpha.example.com",
                body="I am out of office.",
                extra_headers="Auto-Submitted: auto-replied\nPrecedence: auto_reply",
            )
        self.assertEqual(self._tickets(), ticket)
        self.assertEqual(len(self._acknowledgements(ticket)), 1)

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_bounce_creates_no_ticket(self):
        self._process(
            "MAILER-DAEMON <mailer-daemon@mx.gamma.example.com>",
            "Undelivered Mail Returned to Sender",
            "bounce-1@mx.gamma.example.com",
            body="Delivery to the following recipient failed permanently.",
        )
        self.assertFalse(self._tickets())

    def test_mail_reply_reopens_closed_ticket(self):
        self._process(
            "Alice Alpha <alice@alpha.example.com>", "VPN broken", "reopen-1@alpha.example.com"
        )
        ticket = self._tickets()
        ticket.stage_id = self.stage_solved
        self.assertTrue(ticket.is_closed)
        self._process(
            "Alice Alpha <alice@alpha.example.com>",
            f"Re: [{ticket.number}] VPN broken",
            "reopen-2@alpha.example.com",
            body="It is broken again.",
            extra_headers="In-Reply-To: <reopen-1@alpha.example.com>",
        )
        self.assertFalse(ticket.is_closed)
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_huge_subject_and_missing_sender(self):
        """A 100,000-character subject gives a ticket with a readable name, and
        a mail without a From header still opens a ticket, without contact."""
        subject = "Drucker " + "x" * 100000
        self._process("Carla Customer <carla@gamma.example.com>", subject, "huge-1@gamma.example")
        ticket = self._tickets().filtered(lambda t: t.name.startswith("Drucker"))
        self.assertEqual(len(ticket.name), 256)
        self.assertEqual(ticket.partner_id.email, "carla@gamma.example.com")
        raw = NEW_MAIL.format(
            sender="",
            sender_address="",
            cc="",
            subject="Kein Absender",
            message_id="nofrom-1@gamma.example",
            body="Hallo",
            extra_headers="",
        ).replace("From: \n", "")
        self.env["mail.thread"].message_process(None, raw)
        anonymous = self._tickets().filtered(lambda t: t.name == "Kein Absender")
        self.assertEqual(len(anonymous), 1)
        self.assertFalse(anonymous.partner_id)

    def test_unknown_charset_still_opens_ticket(self):
        """Odoo raises LookupError for a charset Python does not know; the
        gateway decodes such text as UTF-8 or windows-1252 instead."""
        raw = (
            b"From: Carla Customer <carla@gamma.example.com>\r\n"
            b"To: support@desk.example.com\r\n"
            b"Subject: Drucker defekt\r\n"
            b"Message-ID: <charset-1@gamma.example.com>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/alternative; boundary=XX\r\n\r\n"
            b"--XX\r\n"
            b"Content-Type: text/plain; charset=x-unknown-charset\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            b"Gr\xfc\xdfe, der Drucker zeigt E42.\r\n"
            b"--XX\r\n"
            b"Content-Type: text/html; charset=x-unknown-charset\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            b"<p>Gr\xfc\xdfe, der Drucker zeigt E42.</p>\r\n"
            b"--XX--\r\n"
        )
        self.env["mail.thread"].message_process(None, raw)
        ticket = self._tickets().filtered(lambda t: t.name == "Drucker defekt")
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id.email, "carla@gamma.example.com")
        self.assertIn("Grüße, der Drucker zeigt E42.", ticket.description)

        utf8 = (
            b"From: Carla Customer <carla@gamma.example.com>\r\n"
            b"To: support@desk.example.com\r\n"
            b"Subject: Scanner defekt\r\n"
            b"Message-ID: <charset-2@gamma.example.com>\r\n"
            b"Content-Type: text/plain; charset=utf-9\r\n\r\n"
            + "Grüße aus Köln".encode()
            + b"\r\n"
        )
        self.env["mail.thread"].message_process(None, utf8)
        ticket = self._tickets().filtered(lambda t: t.name == "Scanner defekt")
        self.assertIn("Grüße aus Köln", ticket.description)
