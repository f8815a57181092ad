#!/usr/bin/env python3
"""Benchmark of crm_erp_bridge: the quote-to-cash report over many orders.

    python3 benchmarks/bench_crm_erp_bridge.py --database erp_bench --orders 10000

The database is created with crm_erp_bridge (without demo data, with the
generic chart of accounts) when it does not exist. It is then filled through
the ORM in committed chunks, so an interrupted run resumes. The data are
``--orders`` confirmed orders of one or two service lines: 70% of them are
invoiced and posted, 10% of those invoices are credited in full, and 60% of
the remaining invoices are paid. Odoo groups the orders of one customer
within a chunk into one invoice, so many invoices bill several orders.

It then times, as the median of ``--repeat`` runs:

* the report: totals of ordered, invoiced, paid and open amounts over every
  order through ``crm.quote.to.cash.report`` (an ORM read_group over the SQL
  view), and its first list page;
* one hand-written SQL query returning the same totals. It assumes a single
  currency and invoices with non-zero untaxed amounts, true for the generated
  data, and shares an invoice of several orders by their untaxed amounts.

It prints both times, their ratio and whether the totals match. This is a
measurement, not a test: nothing is asserted.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import odoo_flags

REPO = Path(__file__).resolve().parent.parent
MODULES = "crm_core,crm_pipeline,crm_helpdesk,crm_erp_bridge"
# Orders created and committed together while filling the database.
CHUNK = 500

HAND_WRITTEN_TOTALS = """
    WITH order_moves AS (
        SELECT sol.order_id, aml.move_id, SUM(aml.price_subtotal) AS subtotal
        FROM sale_order_line_invoice_rel rel
        JOIN sale_order_line sol ON sol.id = rel.order_line_id
        JOIN account_move_line aml ON aml.id = rel.invoice_line_id
        GROUP BY sol.order_id, aml.move_id
    ),
    move_totals AS (
        SELECT move_id, SUM(subtotal) AS subtotal FROM order_moves GROUP BY move_id
    ),
    invoiced AS (
        SELECT
            om.order_id,
            SUM(CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                * move.amount_total * om.subtotal / mt.subtotal) AS invoiced,
            SUM(CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                * (move.amount_total - move.amount_residual) * om.subtotal / mt.subtotal)
                AS paid,
            SUM(CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                * move.amount_residual * om.subtotal / mt.subtotal) AS open
        FROM order_moves om
        JOIN move_totals mt ON mt.move_id = om.move_id
        JOIN account_move move ON move.id = om.move_id
        WHERE move.state = 'posted'
        GROUP BY om.order_id
    )
    SELECT
        COUNT(*),
        SUM(so.amount_total),
        COALESCE(SUM(invoiced.invoiced), 0),
        COALESCE(SUM(invoiced.paid), 0),
        COALESCE(SUM(invoiced.open), 0)
    FROM sale_order so
    LEFT JOIN invoiced ON invoiced.order_id = so.id
    WHERE so.state = 'sale'
"""


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, help="database to create or reuse (use your prefix)"
    )
    parser.add_argument("--orders", type=int, default=10000, help="confirmed orders to reach")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the generated data")
    return parser.parse_args()


def ensure_database(database, flags):
    """Create the database with the suite's sales modules unless it exists."""
    import odoo.service.db

    if odoo.service.db.exp_db_exist(database):
        return
    print(f"Creating database {database} (a few minutes)...", flush=True)
    subprocess.run(
        [
            sys.executable, "-m", "odoo", *flags, "-d", database, "-i", MODULES,
            "--without-demo=all", "--stop-after-init", "--max-cron-threads=0", "--no-http",
            "--log-level=warn",
        ],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_master_data(env):
    """Return (customers, products), creating them on the first run."""
    from odoo import Command

    products = env["product.product"].search([("default_code", "like", "BENCH-%")])
    if not products:
        tax = env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Bench service {index}",
                    "default_code": f"BENCH-{index}",
                    "type": "service",
                    "invoice_policy": "order",
                    "list_price": 50.0 * (index + 1),
                    "taxes_id": [Command.set(tax.ids)],
                }
                for index in range(10)
            ]
        )
    customers = env["res.partner"].search([("ref", "like", "BENCH-%")])
    if not customers:
        customers = env["res.partner"].create(
            [
                {"name": f"Bench customer {index}", "ref": f"BENCH-{index}", "is_company": True}
                for index in range(200)
            ]
        )
    env.cr.commit()
    return customers, products


def fill_chunk(env, size, customers, products, rng):
    """Create ``size`` confirmed orders with invoices, credit notes and payments."""
    from odoo import Command

    orders = env["sale.order"].create(
        [
            {
                "partner_id": rng.choice(customers).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": rng.choice(products).id,
                            "product_uom_qty": rng.randint(1, 5),
                        }
                    )
                    for _line in range(rng.randint(1, 2))
                ],
            }
            for _index in range(size)
        ]
    )
    orders.action_confirm()
    to_invoice = orders.filtered(lambda order: rng.random() < 0.7)
    if not to_invoice:
        return
    invoices = to_invoice._create_invoices()
    invoices.action_post()
    credited = invoices.filtered(lambda invoice: rng.random() < 0.1)
    if credited:
        reversal = env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=credited.ids
        ).create({"journal_id": credited[0].journal_id.id, "reason": "Benchmark"})
        reversal.refund_moves()
        refunds = env["account.move"].search(
            [("reversed_entry_id", "in", credited.ids), ("state", "=", "draft")]
        )
        refunds.action_post()
    to_pay = (invoices - credited).filtered(lambda invoice: rng.random() < 0.6)
    if to_pay:
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=to_pay.ids
        ).create({"group_payment": False})._create_payments()


def fill_database(env, target, rng):
    customers, products = prepare_master_data(env)
    existing = env["sale.order"].search_count([("state", "=", "sale")])
    started = time.perf_counter()
    while existing < target:
        size = min(CHUNK, target - existing)
        fill_chunk(env, size, customers, products, rng)
        env.cr.commit()
        existing += size
        print(
            f"  {existing} / {target} orders ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


def measure(env, label, function, repeat):
    """Run ``function`` ``repeat`` times; return (median seconds, queries, result)."""
    times = []
    result = None
    queries = 0
    for _run in range(repeat):
        env.invalidate_all()
        env.registry.clear_cache()
        before = env.cr.sql_log_count
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
        queries = env.cr.sql_log_count - before
    median = statistics.median(times)
    print(f"{label}: {median * 1000:.1f} ms median of {repeat}, {queries} queries")
    return median, queries, result


def main():
    args = parse_args()
    flags = odoo_flags()
    import odoo
    from odoo.tools import config

    config.parse_config(
        [*flags, "-d", args.database, "--max-cron-threads=0", "--no-http", "--log-level=warn"]
    )
    ensure_database(args.database, flags)
    registry = odoo.modules.registry.Registry(args.database)
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True}
        )
        print(f"Filling {args.database} up to {args.orders} confirmed orders", flush=True)
        fill_database(env, args.orders, rng)
        cr.execute("SELECT COUNT(*) FROM account_move WHERE move_type LIKE 'out_%%'")
        moves = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM account_payment")
        payments = cr.fetchone()[0]
        print(f"\n{args.orders} orders, {moves} invoices and credit notes, {payments} payments\n")

        Report = env["crm.quote.to.cash.report"]
        totals_fields = ["amount_ordered", "amount_invoiced", "amount_paid", "amount_open"]

        def report_totals():
            group = Report.read_group([], [f"{name}:sum" for name in totals_fields], [])[0]
            return [group["__count"]] + [group[name] for name in totals_fields]

        def hand_written_totals():
            cr.execute(HAND_WRITTEN_TOTALS)
            return list(cr.fetchone())

        report_time, _queries, report_result = measure(
            env, "Quote-to-cash report totals (ORM read_group)", report_totals, args.repeat
        )
        measure(
            env,
            "Quote-to-cash report, first list page of 80",
            lambda: Report.search_read(
                [], ["order_id", "amount_invoiced", "mismatch_reason"], limit=80
            ),
            args.repeat,
        )
        sql_time, _queries, sql_result = measure(
            env, "Hand-written SQL totals", hand_written_totals, args.repeat
        )
        rounded_report = [round(float(value), 2) for value in report_result]
        rounded_sql = [round(float(value), 2) for value in sql_result]
        # The report rounds each order to the cent, the hand-written query
        # only the totals: they may differ by half a cent per order.
        tolerance = 0.005 * rounded_sql[0]
        matches = all(
            abs(report - sql) <= tolerance
            for report, sql in zip(rounded_report, rounded_sql, strict=True)
        )
        print(f"\nReport totals:       {rounded_report}")
        print(f"Hand-written totals: {rounded_sql}")
        print(f"Totals match within {tolerance:.2f}: {matches}")
        print(f"Ratio report / hand-written SQL: {report_time / sql_time:.2f}")


if __name__ == "__main__":
    main()
