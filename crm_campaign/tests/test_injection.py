"""Markup and template syntax in contact and segment names render as text in mails."""

from freezegun import freeze_time

from odoo.tests import tagged

from .test_nurture import NurtureCommon

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    "${7*7} {{ 7*7 }} <t t-out=7*7/>"
)
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; "
    "${7*7} {{ 7*7 }} &lt;t t-out=7*7/&gt;"
)


@tagged("post_install", "-at_install")
@freeze_time(NurtureCommon.NOW)
class TestCampaignInjection(NurtureCommon):

    def test_nurture_mail_name_as_text(self):
        hostile = self.env["res.partner"].create(
            {"name": HOSTILE, "email": "hostile@example.com"})
        self.sequence.action_start()
        self._enrol(hostile)
        with freeze_time(self.NOW):
            self._run_cron()
        mailing = self.send_welcome.mailing_id
        self.assertTrue(mailing)
        mail = self.env["mail.mail"].search([
            ("mailing_id", "=", mailing.id), ("res_id", "=", hostile.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.subject, f"Welcome {HOSTILE}",
                         "the placeholders of the name are not evaluated")
        for markup in ("<script>alert", "<img src=x", "<t t-out="):
            self.assertNotIn(markup, mail.body_html)
        self.assertIn(f"Hello {ESCAPED}", mail.body_html)

    def test_segment_name_not_evaluated(self):
        segment = self._make_segment(
            [{"criterion_type": "email_opened", "days": 30}], name=f"Segment {HOSTILE}")
        context = segment.action_create_mailing()["context"]
        mailing = self.env["mailing.mailing"].create({
            "subject": context["default_subject"],
            "mailing_model_id": context["default_mailing_model_id"],
            "crm_segment_id": segment.id,
            "body_html": "<p>Hallo</p>",
        })
        subject = mailing._render_field("subject", self.anna.ids)[self.anna.id]
        # The braces are set apart, so the name shows as typed, not as 49.
        self.assertEqual(subject, f"Segment {HOSTILE}".replace("{{", "{ {").replace("}}", "} }"))
