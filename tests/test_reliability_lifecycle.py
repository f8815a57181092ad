"""Upgrade twice, uninstall and reinstall crm_core and crm_helpdesk on a database with data.

The test works on a copy of the shared reliability database, so the other
reliability tests keep their modules. One Odoo process runs every step through
ir.module.module's buttons, as an administrator would, and reports the
counts of business records after each step.
"""

import pytest

from suitetools import pg, reliability

pytestmark = pytest.mark.xdist_group("reliability")

LIFECYCLE = """
from odoo.modules.registry import Registry

def snapshot(label):
    with Registry(DATABASE).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(
            "SELECT name, state FROM ir_module_module WHERE name IN ('crm_core', 'crm_helpdesk')"
        )
        states = dict(cr.fetchall())
        cr.execute("SELECT count(*) FROM res_partner")
        partners = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM crm_lead")
        leads = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM mail_message WHERE model IN ('res.partner', 'crm.lead')")
        messages = cr.fetchone()[0]
        tickets = None
        if "crm.helpdesk.ticket" in env:
            tickets = env["crm.helpdesk.ticket"].search_count([])
        # The partner form (crm_core's 360 page and helpdesk's additions) still builds.
        env["res.partner"].get_views([(False, "form"), (False, "list")])
        env["crm.lead"].get_views([(False, "form")])
        result.setdefault("steps", []).append({
            "step": label, "states": states, "partners": partners, "leads": leads,
            "messages": messages, "tickets": tickets,
        })

def run_button(modules, button):
    with Registry(DATABASE).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        getattr(env["ir.module.module"].search([("name", "in", modules)]), button)()

def seed(env):
    customer = env["res.partner"].create(
        {"name": "Lifecycle customer", "email": "life@example.com"}
    )
    lead = env["crm.lead"].create({"name": "Lifecycle deal", "partner_id": customer.id,
                                   "type": "opportunity", "expected_revenue": 12000})
    lead.message_post(body="Offer sent by mail", message_type="comment")
    customer.message_post(body="Customer called", message_type="comment")
    ticket = env["crm.helpdesk.ticket"].create(
        {"name": "Lifecycle ticket", "partner_id": customer.id}
    )
    ticket.message_post(body="Ticket answered", message_type="comment")

run_retrying(seed)
snapshot("installed")
run_button(["crm_core", "crm_helpdesk"], "button_immediate_upgrade")
snapshot("upgrade 1")
run_button(["crm_core", "crm_helpdesk"], "button_immediate_upgrade")
snapshot("upgrade 2")
run_button(["crm_helpdesk"], "button_immediate_uninstall")
snapshot("crm_helpdesk uninstalled")
run_button(["crm_core"], "button_immediate_uninstall")
snapshot("crm_core uninstalled")
run_button(["crm_core", "crm_helpdesk"], "button_immediate_install")
snapshot("reinstalled")
"""


@pytest.fixture
def lifecycle_database(odoo_runtime, reliability_database):
    database = f"{reliability_database}_lifecycle"
    odoo_runtime.drop(database)
    pg.create_database_from_template(odoo_runtime.connection, database, reliability_database)
    yield database
    reliability.drop_database(odoo_runtime, database)


def test_reliability_upgrade_uninstall_reinstall(odoo_runtime, lifecycle_database):
    code, result, output = reliability.run(odoo_runtime, lifecycle_database, LIFECYCLE, timeout=600)
    assert code == 0, output[-4000:]
    assert result, output[-4000:]
    steps = {step["step"]: step for step in result["steps"]}
    installed = steps["installed"]
    assert installed["states"] == {"crm_core": "installed", "crm_helpdesk": "installed"}

    for label in ("upgrade 1", "upgrade 2"):
        step = steps[label]
        assert step["states"] == installed["states"], label
        for count in ("partners", "leads", "messages", "tickets"):
            assert step[count] == installed[count], f"{count} changed by {label}: {step}"

    for label, states in (
        ("crm_helpdesk uninstalled", {"crm_core": "installed", "crm_helpdesk": "uninstalled"}),
        ("crm_core uninstalled", {"crm_core": "uninstalled", "crm_helpdesk": "uninstalled"}),
    ):
        step = steps[label]
        assert step["states"] == states, label
        # Contacts, opportunities and their messages belong to Odoo's modules and stay.
        assert step["partners"] == installed["partners"], label
        assert step["leads"] == installed["leads"], label
        assert step["messages"] == installed["messages"], label
        assert step["tickets"] is None, label

    reinstalled = steps["reinstalled"]
    assert reinstalled["states"] == installed["states"]
    assert reinstalled["leads"] == installed["leads"]
    assert reinstalled["messages"] == installed["messages"]
    assert reinstalled["partners"] >= installed["partners"]
    assert reinstalled["tickets"] == 0

    errors = [line for line in output.splitlines() if " ERROR " in line]
    assert not errors, "\n".join(errors[:20])
