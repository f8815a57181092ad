from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged, users

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
@freeze_time(CrmCampaignCommon.NOW)
class TestSegment(CrmCampaignCommon):

    def test_opened_within_days(self):
        segment = self._make_segment([
            {"criterion_type": "email_opened", "days": 30},
        ])
        # Carla replied, which proves an opening; Bert clicked 40 days ago;
        # Eve is blocklisted.
        self.assertEqual(
            self._member_names(segment), ["Anna Adler", "Carla Cruz", "Frank Fuchs"]
        )
        self.assertEqual(segment.member_count, 3)

    def test_opened_at_any_time(self):
        segment = self._make_segment([{"criterion_type": "email_opened"}])
        self.assertEqual(
            self._member_names(segment),
            ["Anna Adler", "Bert Brandt", "Carla Cruz", "Frank Fuchs"],
        )

    def test_clicked_and_replied(self):
        clicked = self._make_segment([{"criterion_type": "email_clicked"}])
        clicked_recently = self._make_segment(
            [{"criterion_type": "email_clicked", "days": 30}]
        )
        replied = self._make_segment([{"criterion_type": "email_replied"}])
        self.assertEqual(self._member_names(clicked), ["Bert Brandt"])
        self.assertEqual(self._member_names(clicked_recently), [])
        self.assertEqual(self._member_names(replied), ["Carla Cruz"])

    def test_negated_criterion_keeps_the_others(self):
        segment = self._make_segment([
            {"criterion_type": "email_opened", "operator": "is_not"},
            {"criterion_type": "domain",
             "filter_domain": f"[('id', 'in', {self.people.ids})]"},
        ])
        self.assertEqual(self._member_names(segment), ["Dora Diaz"])

    def test_mailing_filter(self):
        autumn = self.env["mailing.mailing"].create({
            "subject": "Autumn",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
        })
        self._add_trace(self.dora, opened=self._days_ago(1), mailing=autumn)
        segment = self._make_segment([
            {"criterion_type": "email_opened", "mailing_id": autumn.id},
        ])
        self.assertEqual(self._member_names(segment), ["Dora Diaz"])

    def test_website_visit_with_url(self):
        pricing = self._make_segment([
            {"criterion_type": "website_visit", "url_contains": "pricing", "days": 7},
        ])
        careers = self._make_segment([
            {"criterion_type": "website_visit", "url_contains": "careers"},
        ])
        downloads = self._make_segment([{"criterion_type": "download"}])
        self.assertEqual(self._member_names(pricing), ["Anna Adler"])
        self.assertEqual(self._member_names(careers), [])
        self.assertEqual(self._member_names(downloads), [])

    def test_profile_criteria_all_and_any(self):
        criteria = [
            {"criterion_type": "country", "country_ids": [self.germany.id]},
            {"criterion_type": "tag", "partner_tag_ids": [self.vip_tag.id]},
        ]
        all_segment = self._make_segment(criteria)
        any_segment = self._make_segment(criteria, match="any")
        self.assertEqual(self._member_names(all_segment), ["Anna Adler"])
        # Eve is German but blocklisted.
        self.assertEqual(
            sorted((any_segment._search_members() & self.people).mapped("name")),
            ["Anna Adler", "Bert Brandt", "Carla Cruz", "Frank Fuchs"],
        )

    def test_salesperson_criterion(self):
        segment = self._make_segment([
            {"criterion_type": "salesperson", "user_ids": [self.salesperson.id]},
        ])
        self.assertEqual(self._member_names(segment), ["Anna Adler"])

    def test_blocklist_and_list_opt_out(self):
        opened = [{"criterion_type": "email_opened", "days": 30}]
        keep_blocklisted = self._make_segment(opened, exclude_blacklisted=False)
        honour_newsletter = self._make_segment(
            opened, optout_list_ids=[self.newsletter.id]
        )
        honour_events = self._make_segment(
            opened, optout_list_ids=[self.events_list.id]
        )
        self.assertEqual(
            self._member_names(keep_blocklisted),
            ["Anna Adler", "Carla Cruz", "Eve Engel", "Frank Fuchs"],
        )
        # Frank left the newsletter but not the event invitations.
        self.assertEqual(
            self._member_names(honour_newsletter), ["Anna Adler", "Carla Cruz"]
        )
        self.assertEqual(
            self._member_names(honour_events),
            ["Anna Adler", "Carla Cruz", "Frank Fuchs"],
        )

    def test_lead_segment_uses_lead_email(self):
        leads = self.env["crm.lead"].create([
            {"name": "Anna's project", "email_from": "Anna <anna@example.com>"},
            {"name": "Dora's project", "email_from": "dora@example.com"},
            {"name": "Eve's project", "email_from": "eve@example.com"},
        ])
        segment = self._make_segment(
            [{"criterion_type": "email_opened"}], target_model="crm.lead"
        )
        self.assertEqual(segment._search_members(), leads[0])

    def test_lead_segment_website_visit_of_contact(self):
        lead = self.env["crm.lead"].create(
            {"name": "Anna's project", "partner_id": self.anna.id}
        )
        self.env["crm.lead"].create({"name": "Other", "partner_id": self.dora.id})
        segment = self._make_segment(
            [{"criterion_type": "website_visit"}], target_model="crm.lead"
        )
        self.assertEqual(segment._search_members(), lead)

    def test_membership_field_search_and_compute(self):
        segment = self._make_segment([{"criterion_type": "email_replied"}])
        partners = self.env["res.partner"].search([("crm_segment_ids", "in", segment.ids)])
        self.assertEqual(partners, self.carla)
        self.assertIn(segment, self.carla.crm_segment_ids)
        self.assertNotIn(segment, self.anna.crm_segment_ids)
        outside = self.env["res.partner"].search([
            ("crm_segment_ids", "not in", segment.ids),
            ("id", "in", self.people.ids),
        ])
        self.assertEqual(len(outside), 5)

    def test_segment_is_one_query(self):
        segment = self._make_segment([
            {"criterion_type": "email_opened", "days": 30},
            {"criterion_type": "website_visit"},
            {"criterion_type": "country", "country_ids": [self.germany.id]},
        ], optout_list_ids=[self.newsletter.id])
        segment._get_member_domain()
        self.env.flush_all()
        with self.assertQueryCount(1):
            count = self.env["res.partner"].search_count(segment._get_member_domain())
        self.assertEqual(count, 1)

    def test_score_and_grade_from_crm_core(self):
        self.anna.sudo().write({"crm_score": 60, "crm_grade": "B"})
        self.bert.sudo().write({"crm_score": 40, "crm_grade": "C"})
        self.carla.sudo().write({"crm_score": 90, "crm_grade": "A"})
        self.eve.sudo().write({"crm_score": 95, "crm_grade": "A"})
        score = self._make_segment([{"criterion_type": "score", "score": 50}])
        grade = self._make_segment([{"criterion_type": "grade", "grades": "a, b"}])
        self.assertEqual(
            sorted((score._search_members() & self.people).mapped("name")),
            ["Anna Adler", "Carla Cruz"],
        )
        self.assertEqual(
            sorted((grade._search_members() & self.people).mapped("name")),
            ["Anna Adler", "Carla Cruz"],
        )

    def test_invalid_values_rejected(self):
        with self.assertRaisesRegex(ValidationError, "grades must be"):
            self._make_segment([{"criterion_type": "grade", "grades": "A,X"}])
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self._make_segment([{"criterion_type": "domain", "filter_domain": "[("}])
        with self.assertRaisesRegex(ValidationError, "needs a number of days"):
            self._make_segment([{"criterion_type": "ordered_recently"}])

    @users("camp_marketer")
    def test_segment_as_mailing_recipients(self):
        segment = self._make_segment([
            {"criterion_type": "email_opened", "days": 30},
        ], optout_list_ids=[self.newsletter.id])
        mailing = self.env["mailing.mailing"].create({
            "subject": "Follow-up",
            "body_html": "<p>Hello</p>",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "crm_segment_id": segment.id,
        })
        self.assertIn("crm_segment_ids", mailing.mailing_domain)
        recipients = self.env["res.partner"].browse(mailing._get_recipients())
        self.assertEqual(recipients, self.anna | self.carla)
        mailing.action_send_mail()
        traces = self.env["mailing.trace"].sudo().search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        self.assertEqual(
            sorted(traces.mapped("email")), ["anna@example.com", "carla@example.com"]
        )
        self.assertEqual(set(traces.mapped("trace_status")), {"sent"})
