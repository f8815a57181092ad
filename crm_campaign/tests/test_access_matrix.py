from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_core.tests.test_access_matrix_common import (
    ALLOWED,
    DENIED,
    AccessMatrixMixin,
)

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixMixin, CrmCampaignCommon):
    """Who reads, writes, creates and deletes what in crm_campaign.

    Each company has a segment and a nurturing sequence. Greta, a contact of
    company B, and Anna, a contact shared by all companies, each have a
    tracking event and a consent record.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_b = cls.env["res.company"].create({"name": "Kampagnen Ost GmbH"})
        cls.users = {
            "marketing": new_test_user(
                cls.env,
                login="matrix_camp_marketing",
                name="Marta Marketing",
                groups="mass_mailing.group_mass_mailing_user",
            ),
            "salesman": cls.salesperson,
            "sales_manager": new_test_user(
                cls.env,
                login="matrix_camp_manager",
                name="Max Vertriebsleitung",
                groups="sales_team.group_sale_manager",
            ),
            "other_company": new_test_user(
                cls.env,
                login="matrix_camp_company_b",
                name="Otto Ost",
                groups="mass_mailing.group_mass_mailing_user,sales_team.group_sale_salesman",
                company_id=company_b.id,
                company_ids=[Command.set(company_b.ids)],
            ),
            "employee": new_test_user(
                cls.env, login="matrix_camp_employee", name="Emil Intern", groups="base.group_user"
            ),
            "portal": new_test_user(
                cls.env, login="matrix_camp_portal", name="Pia Portal", groups="base.group_portal"
            ),
            "public": cls.env.ref("base.public_user"),
        }

        cls.greta = cls.env["res.partner"].create(
            {"name": "Greta Ost", "email": "greta@example.com", "company_id": company_b.id}
        )
        members = f"[('id', 'in', {[cls.anna.id, cls.greta.id]})]"
        cls.segment_a, cls.segment_b = cls.env["crm.segment"].create(
            [
                {
                    "name": f"Matrix Segment {letter}",
                    "company_id": company.id,
                    "criterion_ids": [
                        Command.create({"criterion_type": "domain", "filter_domain": members})
                    ],
                }
                for letter, company in (("A", cls.env.company), ("B", company_b))
            ]
        )

        Sequence = cls.env["crm.nurture.sequence"]
        cls.sequence_a = Sequence.create({"name": "Matrix Willkommen A"})
        cls.sequence_b = Sequence.create(
            {"name": "Matrix Willkommen B", "company_id": company_b.id}
        )
        cls.step_a = cls.env["crm.nurture.step"].create(
            {"sequence_id": cls.sequence_a.id, "step_type": "wait"}
        )
        cls.participant_a = cls.env["crm.nurture.participant"].create(
            {"sequence_id": cls.sequence_a.id, "partner_id": cls.anna.id}
        )
        cls.participant_b = cls.env["crm.nurture.participant"].create(
            {
                "sequence_id": cls.sequence_b.id,
                "partner_id": cls.greta.id,
                "company_id": company_b.id,
            }
        )

        cls.events = cls.env["crm.tracking.event"]._record(
            "download", url="https://shop.example.com/matrix-a.pdf", partner=cls.anna
        ) | cls.env["crm.tracking.event"]._record(
            "download", url="https://shop.example.com/matrix-b.pdf", partner=cls.greta
        )

        Consent = cls.env["crm.consent"]
        cls.consents = Consent._log(
            "anna@example.com", "subscribed", note="Matrix A"
        ) | Consent._log("greta@example.com", "subscribed", note="Matrix B")
        cls.env.flush_all()

    def test_segments_and_sequences(self):
        segments = ([("id", "in", (self.segment_a | self.segment_b).ids)], "name")
        sequences = ([("id", "in", (self.sequence_a | self.sequence_b).ids)], "name")
        participants = ([("id", "in", (self.participant_a | self.participant_b).ids)],
                        "partner_id.name")
        new_segment = {"name": "Matrix Neu"}
        cells = [
            ("marketing", "crm.segment", "read", segments, ["Matrix Segment A"]),
            ("salesman", "crm.segment", "read", segments, ["Matrix Segment A"]),
            ("other_company", "crm.segment", "read", segments, ["Matrix Segment B"]),
            ("employee", "crm.segment", "read", segments, DENIED),
            ("portal", "crm.segment", "read", segments, DENIED),
            ("public", "crm.segment", "read", segments, DENIED),
            ("marketing", "crm.segment", "create", new_segment, ALLOWED),
            ("salesman", "crm.segment", "create", new_segment, DENIED),
            ("salesman", "crm.segment", "write", (self.segment_a, {"name": "X"}), DENIED),
            ("other_company", "crm.segment", "write", (self.segment_a, {"name": "X"}), DENIED),
            ("marketing", "crm.segment", "unlink", self.segment_a, ALLOWED),
            ("salesman", "crm.segment.criterion", "write",
             (self.segment_a.criterion_ids, {"filter_domain": "[]"}), DENIED),
            ("portal", "crm.segment.criterion", "count", [], DENIED),
            ("marketing", "crm.nurture.sequence", "read", sequences, ["Matrix Willkommen A"]),
            ("salesman", "crm.nurture.sequence", "read", sequences, ["Matrix Willkommen A"]),
            ("other_company", "crm.nurture.sequence", "read", sequences, ["Matrix Willkommen B"]),
            ("portal", "crm.nurture.sequence", "read", sequences, DENIED),
            ("salesman", "crm.nurture.sequence", "create", {"name": "X"}, DENIED),
            ("marketing", "crm.nurture.sequence", "create", {"name": "X"}, ALLOWED),
            ("salesman", "crm.nurture.step", "write", (self.step_a, {"wait_days": 3}), DENIED),
            ("marketing", "crm.nurture.step", "write", (self.step_a, {"wait_days": 3}), ALLOWED),
            ("marketing", "crm.nurture.participant", "read", participants, ["Anna Adler"]),
            ("other_company", "crm.nurture.participant", "read", participants, ["Greta Ost"]),
            ("employee", "crm.nurture.participant", "read", participants, DENIED),
            ("portal", "crm.nurture.participant", "read", participants, DENIED),
            ("marketing", "crm.nurture.log", "create",
             {"participant_id": self.participant_a.id, "step_id": self.step_a.id}, DENIED),
            ("portal", "crm.nurture.log", "count", [], DENIED),
            ("salesman", "crm.nurture.enrol.wizard", "count", [], DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_tracking_and_consent(self):
        events = ([("id", "in", self.events.ids)], "url")
        consents = ([("id", "in", self.consents.ids)], "note")
        cells = [
            ("marketing", "crm.tracking.event", "read", events,
             ["https://shop.example.com/matrix-a.pdf"]),
            ("salesman", "crm.tracking.event", "read", events,
             ["https://shop.example.com/matrix-a.pdf"]),
            # Anna is shared by all companies, Greta belongs to company B.
            ("other_company", "crm.tracking.event", "read", events,
             ["https://shop.example.com/matrix-a.pdf", "https://shop.example.com/matrix-b.pdf"]),
            ("employee", "crm.tracking.event", "read", events, DENIED),
            ("portal", "crm.tracking.event", "read", events, DENIED),
            ("public", "crm.tracking.event", "read", events, DENIED),
            # Events and consent records are evidence: only the code writes them.
            ("marketing", "crm.tracking.event", "write", (self.events[0], {"url": "x"}), DENIED),
            ("marketing", "crm.tracking.event", "create", {"event_type": "download"}, DENIED),
            ("marketing", "crm.consent", "read", consents, ["Matrix A"]),
            ("salesman", "crm.consent", "read", consents, ["Matrix A"]),
            ("other_company", "crm.consent", "read", consents, ["Matrix A", "Matrix B"]),
            ("portal", "crm.consent", "read", consents, DENIED),
            ("public", "crm.consent", "read", consents, DENIED),
            ("marketing", "crm.consent", "write", (self.consents[0], {"note": "x"}), DENIED),
            ("sales_manager", "crm.consent", "unlink", self.consents[0], DENIED),
            # The confirmation token is for the system only.
            ("marketing", "crm.consent", "call",
             lambda Consent: Consent.browse(self.consents[0].id).read(["token"]), DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_segment_membership_on_contacts(self):
        """Contacts list the segments of the reader's companies only, so that
        opening a contact never reads a segment of another company."""

        def segments_of(partner):
            return lambda Partner: Partner.browse(partner.id).web_read(
                {"crm_segment_ids": {"fields": {"display_name": {}}}}
            )[0]["crm_segment_ids"]

        def names(*segments):
            return [{"id": segment.id, "display_name": segment.name} for segment in segments]

        cells = [
            ("marketing", "res.partner", "call", segments_of(self.anna), names(self.segment_a)),
            ("salesman", "res.partner", "call", segments_of(self.anna), names(self.segment_a)),
            ("other_company", "res.partner", "call", segments_of(self.greta),
             names(self.segment_b)),
            ("marketing", "res.partner", "call", segments_of(self.greta), DENIED),
            ("portal", "res.partner", "call", segments_of(self.anna), DENIED),
        ]
        self.run_access_matrix(self.users, cells)
