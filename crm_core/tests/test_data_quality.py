from odoo.exceptions import UserError
from odoo.tests import tagged, users

from .common import CrmCoreCommon


@tagged("post_install", "-at_install")
class TestDuplicates(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Records of the main company unless a company is given.
        Partner = cls.env["res.partner"].with_context(default_company_id=cls.company.id)
        de = cls.env.ref("base.de")
        cls.mueller = Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "country_id": de.id,
                "phone": "089 1234 5678",
                "email": "Info@Mueller-Maschinen.example",
                "vat": "DE 123 456 789",
            }
        )
        cls.mueller_phone = Partner.create(
            {
                "name": "MM Werk Süd",
                "is_company": True,
                "phone": "+49 89 12345678",
            }
        )
        cls.mueller_mobile = Partner.create(
            {
                "name": "Werkstatt Hinterhof",
                "mobile": "0049 (89) 1234-5678",
                "country_id": de.id,
            }
        )
        cls.mueller_name = Partner.create({"name": "MULLER maschinenbau gmbh", "is_company": True})
        cls.mueller_email = Partner.create(
            {"name": "Einkauf", "email": " info@mueller-maschinen.EXAMPLE"}
        )
        cls.mueller_vat = Partner.create({"name": "Steuerfall", "vat": "de123456789"})
        cls.unrelated = Partner.create(
            {
                "name": "Meier Logistik AG",
                "is_company": True,
                "phone": "+49 30 9876543",
                "email": "info@meier.example",
            }
        )
        # Its own contact shares the phone: related, not a duplicate.
        cls.mueller_contact = Partner.create(
            {
                "name": "Eva Schmid",
                "parent_id": cls.mueller.id,
                "phone": "+49 89 1234 5678",
            }
        )
        # Same name and email, but owned by the other company.
        cls.mueller_b = Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "email": "info@mueller-maschinen.example",
                "company_id": cls.company_b.id,
            }
        )

    def test_duplicates_by_phone_email_vat_and_name(self):
        found = self.mueller._crm_find_duplicate_ids()[self.mueller.id]
        self.assertEqual(found[self.mueller_phone.id], ["phone"])
        self.assertEqual(found[self.mueller_mobile.id], ["phone"])
        self.assertEqual(found[self.mueller_name.id], ["name"])
        self.assertEqual(found[self.mueller_email.id], ["email"])
        self.assertEqual(found[self.mueller_vat.id], ["vat"])
        self.assertEqual(found[self.mueller_b.id], ["email", "name"])
        self.assertNotIn(self.unrelated.id, found)
        self.assertNotIn(self.mueller_contact.id, found)

    def test_normalized_keys(self):
        self.assertEqual(self.mueller.crm_phone_normalized, "+498912345678")
        self.assertEqual(self.mueller_mobile.crm_mobile_normalized, "+498912345678")
        self.assertEqual(self.mueller_vat.crm_vat_normalized, "DE123456789")

    def test_accent_and_case_insensitive_names(self):
        Partner = self.env["res.partner"]
        societe = Partner.create({"name": "Société Générale Équipements", "is_company": True})
        lower = Partner.create({"name": "societe generale equipements", "is_company": True})
        self.assertEqual(societe.crm_duplicate_ids, lower)
        self.assertIn(self.mueller_name, self.mueller.crm_duplicate_ids)

    @users("crm_core_salesman")
    def test_other_company_duplicate_is_hidden(self):
        mueller = self.mueller.with_env(self.env)
        self.assertNotIn(self.mueller_b, mueller.crm_duplicate_ids)
        self.assertEqual(mueller.crm_duplicate_count, 5)

    @users("crm_core_salesman_b")
    def test_user_of_other_company_is_not_blocked(self):
        """Creating and checking a contact never fails on another company's records."""
        partner = self.env["res.partner"].create(
            {
                "name": "Müller Maschinenbau GmbH",
                "email": "INFO@mueller-maschinen.example",
                "phone": "089 12345678",
                "country_id": self.env.ref("base.de").id,
                "company_id": self.company_b.id,
            }
        )
        visible = partner.crm_duplicate_ids
        self.assertEqual(visible, self.mueller_b)
        self.assertNotIn(self.mueller, visible)
        self.env["crm.duplicate.pair"]._crm_refresh_for(partner)
        pairs = self.env["crm.duplicate.pair"].search([("model_name", "=", "res.partner")])
        self.assertEqual(
            {(p.record_id, p.duplicate_id) for p in pairs},
            {tuple(sorted((self.mueller_b.id, partner.id)))},
            "pairs with a record of company A stay hidden",
        )

    def test_review_list_and_merge(self):
        Pair = self.env["crm.duplicate.pair"]
        Pair._cron_detect_duplicates(batch_size=3)
        pair = Pair.search(
            [("record_id", "=", self.mueller.id), ("duplicate_id", "=", self.mueller_vat.id)]
        )
        self.assertEqual(pair.reason_codes, "vat")
        self.assertEqual(pair.reasons, "Tax ID")
        self.assertEqual(pair.record_name, "Müller Maschinenbau GmbH")
        salesman_pairs = Pair.with_user(self.salesman).search([("record_id", "=", self.mueller.id)])
        self.assertNotIn(self.mueller_b.id, salesman_pairs.mapped("duplicate_id"))
        self.assertIn(self.mueller_vat.id, salesman_pairs.mapped("duplicate_id"))

        action = pair.action_merge()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({})
        self.assertEqual(wizard.partner_ids, self.mueller | self.mueller_vat)
        wizard.dst_partner_id = self.mueller
        wizard.action_merge()
        self.assertFalse(self.mueller_vat.exists())
        pair_after = Pair.search(
            [("record_id", "=", self.mueller.id), ("duplicate_id", "=", self.mueller_name.id)]
        )
        pair_after.action_dismiss()
        Pair._cron_detect_duplicates()
        self.assertEqual(pair_after.state, "dismissed", "a dismissed pair stays dismissed")
        self.assertFalse(Pair.search([("duplicate_id", "=", self.mueller_vat.id)]))

    def test_lead_duplicates_and_merge(self):
        Lead = self.env["crm.lead"]
        first = Lead.create(
            {
                "name": "Anfrage Fräse",
                "email_from": "Jana.Berger@Alpenblick.example",
                "partner_name": "Alpenblick Werkzeuge",
            }
        )
        second = Lead.create(
            {"name": "Zweite Anfrage", "email_from": "jana.berger@alpenblick.example"}
        )
        third = Lead.create(
            {"name": "Dritte", "partner_name": "ALPENBLICK  Werkzeuge", "phone": "+49 89 5555 1234"}
        )
        Lead.create(
            {"name": "Fremd", "partner_name": "Bergblick Bau", "email_from": "x@bergblick.example"}
        )
        self.assertEqual(first.crm_duplicate_ids, second | third)
        action = first.action_crm_open_duplicates()
        self.assertEqual(action["res_model"], "crm.merge.opportunity")
        wizard = self.env["crm.merge.opportunity"].with_context(**action["context"]).create({})
        self.assertEqual(wizard.opportunity_ids, first | second | third)
        merged = wizard.action_merge()
        self.assertEqual(len((first | second | third).exists()), 1)
        self.assertTrue(merged)


@tagged("post_install", "-at_install")
class TestCompleteness(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def field(model, name):
            return cls.env["ir.model.fields"]._get(model, name)

        cls.env["crm.required.field"].create(
            [
                {
                    "model_name": "res.partner",
                    "field_id": field("res.partner", "vat").id,
                    "customer_type": "company",
                },
                {
                    "model_name": "res.partner",
                    "field_id": field("res.partner", "phone").id,
                    "customer_type": "company",
                },
                {"model_name": "res.partner", "field_id": field("res.partner", "email").id},
                {
                    "model_name": "crm.lead",
                    "field_id": field("crm.lead", "expected_revenue").id,
                    "stage_id": cls.stage_won.id,
                },
            ]
        )

    def test_partner_completeness(self):
        company = self.env["res.partner"].create(
            {
                "name": "Halbfertig GmbH",
                "is_company": True,
                "phone": "+49 30 123456",
            }
        )
        self.assertEqual(company.crm_completeness, 33)
        self.assertEqual(company.crm_missing_fields, "Tax ID, Email")
        company.write({"vat": "DE999999999", "email": "info@halbfertig.example"})
        self.assertEqual(company.crm_completeness, 100)
        self.assertFalse(company.crm_missing_fields)
        person = self.env["res.partner"].create({"name": "Paul Privat"})
        self.assertEqual(person.crm_completeness, 0, "only the email applies to individuals")

    def test_lead_completeness_per_stage(self):
        lead = self.env["crm.lead"].create({"name": "Ohne Betrag", "stage_id": self.stage_new.id})
        self.assertEqual(lead.crm_completeness, 100)
        lead.stage_id = self.stage_won
        self.assertEqual(lead.crm_completeness, 0)
        self.assertEqual(lead.crm_missing_fields, "Expected Revenue")

    def test_dashboard_counts(self):
        self.env["res.partner"].create({"name": "Leer AG", "is_company": True})
        self.env["crm.required.field"]._cron_update_completeness(batch_size=50)
        dashboard = self.env["crm.data.quality.dashboard"].create({})
        incomplete = self.env["res.partner"].search_count([("crm_completeness", "<", 100)])
        self.assertGreaterEqual(incomplete, 1)
        self.assertEqual(dashboard.incomplete_partner_count, incomplete)
        inactive_action = dashboard.action_open_inactive_partners()
        inactive = self.env["res.partner"].search(inactive_action["domain"])
        self.assertIn(self.customer, inactive)
        self.customer.message_post(body="Anruf", message_type="email")
        self.assertNotIn(
            self.customer,
            self.env["res.partner"].search(dashboard.action_open_inactive_partners()["domain"]),
        )

    def test_dashboard_menu_opens_counted_record(self):
        """The menu opens a saved dashboard whose counts the web client reads as they are."""
        self.env["res.partner"].create({"name": "Leer Zwei AG", "is_company": True})
        self.env["crm.required.field"]._cron_update_completeness(batch_size=50)
        menu = self.env.ref("crm_core.crm_core_menu_data_quality_dashboard")
        server_action = self.env.ref("crm_core.crm_data_quality_dashboard_action_open")
        self.assertEqual(menu.action, server_action)
        action = server_action.run()
        self.assertEqual(action["res_model"], "crm.data.quality.dashboard")
        values = (
            self.env["crm.data.quality.dashboard"]
            .browse(action["res_id"])
            .web_read({"incomplete_partner_count": {}})[0]
        )
        incomplete = self.env["res.partner"].search_count([("crm_completeness", "<", 100)])
        self.assertGreaterEqual(incomplete, 1)
        self.assertEqual(values["incomplete_partner_count"], incomplete)

    def test_reasons_in_reader_language(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"].search([("name", "=", "crm_core")])._update_translations(
            ["de_DE"]
        )
        pair = self.env["crm.duplicate.pair"].create(
            {
                "model_name": "res.partner",
                # Ids of no record: the pair only carries the codes here.
                "record_id": 999999991,
                "duplicate_id": 999999992,
                "reason_codes": "email,vat,name",
            }
        )
        self.assertEqual(pair.reasons, "Email, Tax ID, Similar name")
        self.assertEqual(
            pair.with_context(lang="de_DE").reasons, "E-Mail, Steuernummer, Ähnlicher Name"
        )

    def test_without_activity_filter(self):
        Partner = self.env["res.partner"]
        self.assertTrue(self.contact_jana.crm_without_activity)
        self.assertIn(self.customer, Partner.search([("crm_without_activity", "=", True)]))
        self.contact_lukas.message_post(body="Rückruf", message_type="email")
        self.contact_jana.invalidate_recordset()
        self.assertFalse(self.contact_jana.crm_without_activity, "the company's contact had one")
        self.assertIn(self.customer, Partner.search([("crm_without_activity", "=", False)]))
        self.assertNotIn(self.customer, Partner.search([("crm_without_activity", "!=", False)]))
        with self.assertRaisesRegex(UserError, "Invalid search on 'Without Activity'"):
            Partner.search([("crm_without_activity", "in", [True])])
