from odoo.tests import tagged

from .common import CrmCoreCommon

INCOMING_EMAIL = """From: {email_from}
To: {to}
Subject: {subject}
Message-ID: <{msg_id}@mail.example>
Date: Mon, 16 Jun 2025 09:00:00 +0200
Content-Type: text/plain; charset=utf-8

Guten Tag, wir brauchen ein Angebot.
"""


@tagged("post_install", "-at_install")
class TestMailMatching(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {
                "name": "crm-core.example",
                "sequence": 1,
                "company_ids": [(4, cls.company.id)],
            }
        )
        cls.company.alias_domain_id = cls.alias_domain
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Vertrieb Süd",
                "alias_name": "anfragen",
                "use_leads": True,
                "use_opportunities": True,
            }
        )
        # A second contact whose address is contained in Jana's.
        cls.contact_short = cls.env["res.partner"].create(
            {
                "name": "Berger Handel",
                "email": "berger@alpenblick.example",
            }
        )

    def _receive(self, email_from, msg_id):
        """Feed a raw email to the mail gateway and return the lead it created."""
        raw = INCOMING_EMAIL.format(
            email_from=email_from,
            to="anfragen@crm-core.example",
            subject="Angebot",
            msg_id=msg_id,
        )
        lead_id = self.env["mail.thread"].sudo().message_process(None, raw)
        return self.env["crm.lead"].browse(lead_id)

    def test_normalize_email(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner._crm_normalize_email("  Jana.Berger@ALPENBLICK.example "),
            "jana.berger@alpenblick.example",
        )
        self.assertEqual(
            Partner._crm_normalize_email('"Jana Berger" <Jana.Berger@Alpenblick.Example>'),
            "jana.berger@alpenblick.example",
        )
        self.assertFalse(Partner._crm_normalize_email("kein-email"))

    def test_find_by_email_is_exact(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner._crm_find_by_email(" JANA.BERGER@alpenblick.example"), self.contact_jana
        )
        self.assertEqual(
            Partner._crm_find_by_email("Berger@Alpenblick.example"), self.contact_short
        )
        self.assertFalse(Partner._crm_find_by_email("erger@alpenblick.example"))
        self.assertFalse(Partner._crm_find_by_email("a.berger@alpenblick.example"))

    def test_normalize_phone(self):
        Partner = self.env["res.partner"]
        germany = self.env.ref("base.de")
        expected = "+498912345678"
        for number in (
            "089 1234 5678",
            "+49 89 12345678",
            "0049 (89) 1234-5678",
            "+49-89-1234 5678",
        ):
            self.assertEqual(Partner._crm_normalize_phone(number, germany), expected, number)
        self.assertEqual(
            Partner._crm_normalize_phone("0512 123456", self.env.ref("base.at")), "+43512123456"
        )
        self.assertFalse(Partner._crm_normalize_phone("1", germany))
        self.assertFalse(Partner._crm_normalize_phone("keine Nummer", germany))

    def test_inbound_mail_lands_on_customer(self):
        """Case and spaces in the sender address do not prevent the match."""
        lead = self._receive("Jana Berger <JANA.Berger@Alpenblick.EXAMPLE>", "match-1")
        self.assertTrue(lead, "the alias created a lead")
        self.assertEqual(lead.partner_id, self.contact_jana)
        message = lead.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(message.author_id, self.contact_jana)
        timeline = self.env["crm.interaction"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("interaction_type", "=", "email_in"),
            ]
        )
        self.assertEqual(timeline.lead_id, lead)

    def test_inbound_mail_never_matches_containing_address(self):
        """berger@... is contained in jana.berger@...; a mail from one never lands on the other."""
        lead = self._receive("berger@alpenblick.example", "match-2")
        self.assertEqual(lead.partner_id, self.contact_short)
        lead_unknown = self._receive("j.berger@alpenblick.example", "match-3")
        self.assertFalse(lead_unknown.partner_id)
