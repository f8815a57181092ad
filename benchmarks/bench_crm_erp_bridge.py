#!/usr/bin/env python3
"""Benchmark of crm_erp_bridge: the quote-to-cash report.

    python3 benchmarks/bench_crm_erp_bridge.py --database NAME --scale 10000

runs this benchmark alone through the harness (see harness.py): the totals of
ordered, invoiced, paid and open amounts over every confirmed order through
``crm.quote.to.cash.report`` (an ORM read_group over its SQL view), against one
hand-written SQL query returning the same totals. The query assumes one
currency and invoices with non-zero untaxed amounts, true for the generated
data, and shares an invoice of several orders by their untaxed amounts.
"""

import sys

from common import Result, measure

REPORT_RUNS = 5
TOTAL_FIELDS = ["amount_ordered", "amount_invoiced", "amount_paid", "amount_open"]

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


def bench_quote_to_cash(ctx):
    env, cr = ctx.env, ctx.cr
    Report = env["crm.quote.to.cash.report"]

    def report_totals():
        group = Report.read_group([], [f"{name}:sum" for name in TOTAL_FIELDS], [])[0]
        return [group["__count"]] + [group[name] for name in TOTAL_FIELDS]

    def hand_written():
        cr.execute(HAND_WRITTEN_TOTALS)
        return list(cr.fetchone())

    def clear():
        env.invalidate_all()
        env.registry.clear_cache()

    report = measure(report_totals, repeat=REPORT_RUNS, before=clear)
    sql = measure(hand_written, repeat=REPORT_RUNS)
    report_figures = [round(float(value or 0), 2) for value in report.result]
    sql_figures = [round(float(value or 0), 2) for value in sql.result]
    # The report rounds each order to the cent, the hand-written query only the
    # totals: they may differ by half a cent per order.
    tolerance = 0.005 * max(sql_figures[0], 1)
    return [
        Result(
            f"Quote-to-cash report totals, {sql_figures[0]:,.0f} orders",
            report.seconds,
            report.queries,
            report.peak_mb,
            "one hand-written SQL query",
            sql.seconds,
            {
                "report": report_figures,
                "sql": sql_figures,
                "match": all(
                    abs(left - right) <= tolerance
                    for left, right in zip(report_figures, sql_figures, strict=True)
                ),
            },
        )
    ]


BENCHMARKS = {"quote_to_cash": bench_quote_to_cash}

if __name__ == "__main__":
    from harness import main

    sys.exit(main(["--only", ",".join(BENCHMARKS), *sys.argv[1:]]))
