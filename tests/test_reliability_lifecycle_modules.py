"""Install, upgrade twice, uninstall and reinstall crm_pipeline, crm_campaign and crm_erp_bridge.

The database starts with every module these three depend on (crm_core,
crm_helpdesk, sale, stock, account, mass mailing). Before the three are
installed it gets business documents: opportunities, a confirmed order, a
posted invoice and its payment, chatter messages, an activity, a mailing list
and a mailing. One Odoo process then runs each step through ir.module.module's
buttons, as an administrator would, and records after every step the counts
and a checksum of those documents.
"""

import os

import pytest

from suitetools import reliability

pytestmark = pytest.mark.xdist_group("reliability")

# Modules installed before the documents are created.
BASE_MODULES = [
    "crm_core",
    "crm_helpdesk",
    "sale_management",
    "sale_crm",
    "sale_stock",
    "account",
    "mass_mailing_crm",
    "base_automation",
]
MODULES = ["crm_pipeline", "crm_campaign", "crm_erp_bridge"]

# Business documents that no step may delete or change. Each entry is a
# table and the columns whose values are summed into its checksum.
DOCUMENTS = {
    "res_partner": "id, name, email",
    "crm_lead": "id, name, partner_id, expected_revenue, active, type",
    "sale_order": "id, name, state, amount_total, partner_id",
    "sale_order_line": "id, order_id, product_uom_qty, price_subtotal",
    "account_move": "id, name, state, move_type, amount_total, payment_state",
    "account_move_line": "id, move_id, debit, credit, reconciled",
    "account_payment": "id, amount, partner_id, state",
    "mail_message": "id, model, res_id, body",
    "mail_activity": "id, res_model, res_id, summary",
    "mailing_mailing": "id, subject, state",
    "mailing_list": "id, name",
    "mailing_contact": "id, name, email",
}

LIFECYCLE = """
from odoo import Command, fields
from odoo.modules.registry import Registry

DOCUMENTS = %(documents)r
MODULES = %(modules)r
FORMS = [
    "res.partner", "crm.lead", "sale.order", "account.move", "account.payment",
    "mailing.mailing", "crm.helpdesk.ticket",
]


def snapshot(label):
    with Registry(DATABASE).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SELECT name, state FROM ir_module_module WHERE name IN %%s",
                   [tuple(MODULES)])
        states = dict(cr.fetchall())
        counts = {}
        checksums = {}
        for table, columns in DOCUMENTS.items():
            cr.execute(f"SELECT count(*), md5(string_agg(md5(ROW({columns})::text), ',' "
                       f"ORDER BY id)) FROM {table} WHERE id <= %%s", [SEEDED_MAX[table]])
            counts[table], checksums[table] = cr.fetchone()
        cr.execute("SELECT count(*) FROM crm_stage")
        stages = cr.fetchone()[0]
        # The forms and lists of the remaining modules still build.
        views = {}
        for model in FORMS:
            arch = env[model].get_views([(False, "form"), (False, "list")])
            views[model] = sorted(arch["views"])
        result.setdefault("steps", []).append({
            "step": label, "states": states, "counts": counts,
            "checksums": checksums, "views": views, "stages": stages,
        })


def run_button(modules, button):
    with Registry(DATABASE).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        getattr(env["ir.module.module"].search([("name", "in", modules)]), button)()


def seed(env):
    company = env.company
    if not env["account.journal"].search([("type", "=", "sale"),
                                          ("company_id", "=", company.id)], limit=1):
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    customer = env["res.partner"].create({
        "name": "Lifecycle Maschinenbau GmbH", "is_company": True,
        "email": "einkauf@lifecycle.example.com",
    })
    contact = env["res.partner"].create({
        "name": "Lena Lifecycle", "parent_id": customer.id,
        "email": "lena@lifecycle.example.com",
    })
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    open_lead = env["crm.lead"].create({
        "name": "Lifecycle press line", "partner_id": customer.id,
        "type": "opportunity", "expected_revenue": 48000,
    })
    won_lead = env["crm.lead"].create({
        "name": "Lifecycle spare parts", "partner_id": customer.id,
        "type": "opportunity", "expected_revenue": 1200, "stage_id": won_stage.id,
    })
    env["crm.lead"].create({"name": "Lifecycle inbound lead", "type": "lead",
                            "contact_name": "Lena Lifecycle"})
    open_lead.message_post(body="Offer sent by mail", message_type="comment")
    open_lead.activity_schedule("mail.mail_activity_data_todo", summary="Call back Lena",
                                user_id=SUPERUSER_ID)
    contact.message_post(body="Customer called about delivery", message_type="comment")
    product = env["product.product"].create({
        "name": "Lifecycle service hour", "type": "service",
        "invoice_policy": "order", "list_price": 120.0,
    })
    order = env["sale.order"].create({
        "partner_id": customer.id, "opportunity_id": won_lead.id,
        "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 10})],
    })
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.action_post()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids,
    ).create({})._create_payments()
    mailing_list = env["mailing.list"].create({
        "name": "Lifecycle newsletter",
        "contact_ids": [Command.create({"name": "Lena Lifecycle",
                                        "email": "lena@lifecycle.example.com"})],
    })
    env["mailing.mailing"].create({
        "subject": "Lifecycle spring offer",
        "body_html": "<p>Spring offer</p>",
        "mailing_model_id": env.ref("mass_mailing.model_mailing_list").id,
        "contact_list_ids": [Command.link(mailing_list.id)],
    })
    env.flush_all()
    seeded = {}
    for table in DOCUMENTS:
        env.cr.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        seeded[table] = env.cr.fetchone()[0]
    env.cr.execute("SELECT payment_state FROM account_move WHERE id = %%s", [invoice.id])
    result["invoice_payment_state"] = env.cr.fetchone()[0]
    return seeded


SEEDED_MAX = run_retrying(seed)
snapshot("seeded")
for module in MODULES:
    run_button([module], "button_immediate_install")
    snapshot(f"{module} installed")
run_button(MODULES, "button_immediate_upgrade")
snapshot("upgrade 1")
run_button(MODULES, "button_immediate_upgrade")
snapshot("upgrade 2")
for module in reversed(MODULES):
    run_button([module], "button_immediate_uninstall")
    snapshot(f"{module} uninstalled")
run_button(MODULES, "button_immediate_install")
snapshot("reinstalled")
"""


@pytest.fixture
def lifecycle_base_database(odoo_runtime, db_suffix):
    """The modules the three depend on, installed without demo data."""
    prefix = os.environ.get("CRM_SUITE_LIFECYCLE_DB_PREFIX", "lifecycle")
    database = f"{prefix}_{db_suffix}_{os.getpid()}"
    odoo_runtime.install(database, BASE_MODULES, demo=False)
    yield database
    reliability.drop_database(odoo_runtime, database)


def test_reliability_lifecycle_pipeline_campaign_erp_bridge(odoo_runtime, lifecycle_base_database):
    body = LIFECYCLE % {"documents": DOCUMENTS, "modules": MODULES}
    code, result, output = reliability.run(odoo_runtime, lifecycle_base_database, body,
                                           timeout=1200)
    assert code == 0, output[-4000:]
    assert result, output[-4000:]
    assert result["invoice_payment_state"] in ("paid", "in_payment")
    steps = {step["step"]: step for step in result["steps"]}
    seeded = steps["seeded"]
    assert seeded["states"] == dict.fromkeys(MODULES, "uninstalled")
    # The seed made every kind of document the steps must keep.
    for table, count in seeded["counts"].items():
        assert count > 0, f"the seed created no {table}"

    expected_states = {
        "crm_pipeline installed": ("installed", "uninstalled", "uninstalled"),
        "crm_campaign installed": ("installed", "installed", "uninstalled"),
        "crm_erp_bridge installed": ("installed", "installed", "installed"),
        "upgrade 1": ("installed", "installed", "installed"),
        "upgrade 2": ("installed", "installed", "installed"),
        "crm_erp_bridge uninstalled": ("installed", "installed", "uninstalled"),
        "crm_campaign uninstalled": ("installed", "uninstalled", "uninstalled"),
        "crm_pipeline uninstalled": ("uninstalled", "uninstalled", "uninstalled"),
        "reinstalled": ("installed", "installed", "installed"),
    }
    assert list(steps) == ["seeded", *expected_states]
    for label, states in expected_states.items():
        step = steps[label]
        assert step["states"] == dict(zip(MODULES, states, strict=True)), label
        # Every document created before the first install is still there, unchanged.
        assert step["counts"] == seeded["counts"], f"documents lost by {label}"
        changed = [table for table in DOCUMENTS
                   if step["checksums"][table] != seeded["checksums"][table]]
        assert not changed, f"documents changed by {label}: {changed}"
        assert step["views"] == seeded["views"], label

    # crm_pipeline adds five stages and moves the opportunities of Odoo's
    # default stages into them. Its uninstall gives them back to Odoo's stages
    # and deletes its own; the reinstall takes them over again.
    stages = {label: step["stages"] for label, step in steps.items()}
    assert stages["crm_pipeline installed"] == stages["seeded"] + 5
    assert stages["crm_pipeline uninstalled"] == stages["seeded"]
    assert stages["reinstalled"] == stages["crm_pipeline installed"]

    errors = [line for line in output.splitlines() if " ERROR " in line]
    assert not errors, "\n".join(errors[:20])
