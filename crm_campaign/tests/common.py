from datetime import datetime, timedelta

from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


class CrmCampaignCommon(TransactionCase):
    """Contacts with a known behaviour history, a marketer and a salesperson.

    All dates are relative to NOW (2026-03-02 09:00), which the tests freeze:
    - anna opened the spring mailing 3 days ago and visited /pricing;
    - bert clicked the spring mailing 40 days ago;
    - carla replied to the spring mailing 10 days ago (no open recorded);
    - dora has no behaviour;
    - eve opened the spring mailing 2 days ago but is on the blocklist;
    - frank opened the spring mailing 5 days ago and left the newsletter list.
    """

    NOW = datetime(2026, 3, 2, 9, 0, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.marketer = new_test_user(
            cls.env,
            login="camp_marketer",
            name="Mia Marketer",
            email="mia@example.com",
            groups="mass_mailing.group_mass_mailing_user,sales_team.group_sale_salesman",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="camp_sales",
            name="Sam Sales",
            email="sam@example.com",
            groups="sales_team.group_sale_salesman",
        )
        cls.germany = cls.env.ref("base.de")
        cls.france = cls.env.ref("base.fr")
        cls.vip_tag = cls.env["res.partner.category"].create({"name": "VIP"})

        partners = cls.env["res.partner"].create([
            {"name": "Anna Adler", "email": "anna@example.com",
             "country_id": cls.germany.id, "category_id": [Command.link(cls.vip_tag.id)],
             "user_id": cls.salesperson.id},
            {"name": "Bert Brandt", "email": "bert@example.com",
             "country_id": cls.germany.id},
            {"name": "Carla Cruz", "email": "carla@example.com",
             "country_id": cls.france.id, "category_id": [Command.link(cls.vip_tag.id)]},
            {"name": "Dora Diaz", "email": "dora@example.com",
             "country_id": cls.france.id},
            {"name": "Eve Engel", "email": "eve@example.com",
             "country_id": cls.germany.id},
            {"name": "Frank Fuchs", "email": "frank@example.com",
             "country_id": cls.germany.id},
        ])
        cls.anna, cls.bert, cls.carla, cls.dora, cls.eve, cls.frank = partners
        cls.people = partners

        cls.newsletter = cls.env["mailing.list"].create(
            {"name": "Newsletter", "is_public": True}
        )
        cls.events_list = cls.env["mailing.list"].create(
            {"name": "Event invitations", "is_public": True}
        )
        cls.spring_mailing = cls.env["mailing.mailing"].create({
            "subject": "Spring offers",
            "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
            "body_html": "<p>Spring</p>",
        })
        cls._add_trace(cls.anna, opened=cls._days_ago(3))
        cls._add_trace(cls.bert, clicked=cls._days_ago(40))
        cls._add_trace(cls.carla, replied=cls._days_ago(10))
        cls._add_trace(cls.dora)
        cls._add_trace(cls.eve, opened=cls._days_ago(2))
        cls._add_trace(cls.frank, opened=cls._days_ago(5))
        cls.env["mail.blacklist"].create({"email": "eve@example.com"})
        cls._subscribe(cls.frank, cls.newsletter, opt_out=True)
        cls._subscribe(cls.frank, cls.events_list)
        cls.env["crm.tracking.event"].create({
            "event_type": "website_visit",
            "partner_id": cls.anna.id,
            "url": "https://shop.example.com/pricing",
            "occurred_at": cls._days_ago(1),
        })

    @classmethod
    def _days_ago(cls, days):
        return cls.NOW - timedelta(days=days)

    @classmethod
    def _add_trace(cls, partner, opened=None, clicked=None, replied=None,
                   mailing=None):
        mailing = mailing or cls.spring_mailing
        status = "reply" if replied else "open" if (opened or clicked) else "sent"
        return cls.env["mailing.trace"].create({
            "mass_mailing_id": mailing.id,
            "model": "res.partner",
            "res_id": partner.id,
            "email": partner.email_normalized,
            "trace_status": status,
            "sent_datetime": cls._days_ago(60),
            "open_datetime": opened or False,
            "links_click_datetime": clicked or False,
            "reply_datetime": replied or False,
        })

    @classmethod
    def _subscribe(cls, partner, mailing_list, opt_out=False):
        contact = cls.env["mailing.contact"].search(
            [("email_normalized", "=", partner.email_normalized)], limit=1
        ) or cls.env["mailing.contact"].create(
            {"name": partner.name, "email": partner.email}
        )
        cls.env["mailing.subscription"].create({
            "contact_id": contact.id,
            "list_id": mailing_list.id,
            "opt_out": opt_out,
        })
        return contact

    def _make_segment(self, criteria, restrict=True, **values):
        """Create a segment; unless ``restrict`` is False, a segment on contacts
        matching all criteria also gets a last criterion limiting it to the six
        test contacts, so that demo data cannot change the expected members."""
        criteria = list(criteria)
        if restrict and values.get("target_model", "res.partner") == "res.partner" and (
            values.get("match", "all") == "all"
        ):
            criteria.append({
                "criterion_type": "domain",
                "filter_domain": f"[('id', 'in', {self.people.ids})]",
            })
        return self.env["crm.segment"].create({
            "name": values.pop("name", "Test segment"),
            "criterion_ids": [Command.create(criterion) for criterion in criteria],
            **values,
        })

    def _member_names(self, segment):
        return sorted(segment._search_members().mapped("name"))
