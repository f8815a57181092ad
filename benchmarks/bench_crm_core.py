#!/usr/bin/env python3
"""Benchmarks of crm_core: lead scoring, duplicates and the 360° view of a customer.

    python3 benchmarks/bench_crm_core.py --database NAME --scale 10000

runs these benchmarks alone through the harness (see harness.py):

* lead scoring: the lead phase of the daily scoring cron over every active lead,
  against Odoo's predictive lead scoring cron on the same leads;
* duplicate candidates of one contact, against the 0.1 s target;
* a full duplicate scan of the contacts (the cron's contact phase), against one
  hand-written query that finds the same pairs;
* the 360° view: the partner form read by a salesperson for a customer with 10
  related documents and for one with 10,000; the query count must not grow.
"""

import sys
from datetime import datetime, timedelta

from common import Result, measure, view_specification

# Contacts per batch of the duplicate scan, as the cron does it.
SCAN_BATCH = 500

# The pairs the duplicate scan stores, as one query: same email, phone or tax
# ID, or names similar enough for pg_trgm (through crm_core's trigram index).
# The generated contacts have no mobile numbers, so phones compare one column.
HAND_WRITTEN_DUPLICATE_PAIRS = """
    SELECT COUNT(*) FROM (
        SELECT a.id, b.id FROM res_partner a JOIN res_partner b
            ON b.email_normalized = a.email_normalized AND b.id > a.id
         WHERE a.active AND b.active
           AND b.parent_id IS DISTINCT FROM a.id AND a.parent_id IS DISTINCT FROM b.id
        UNION
        SELECT a.id, b.id FROM res_partner a JOIN res_partner b
            ON b.crm_phone_normalized = a.crm_phone_normalized AND b.id > a.id
         WHERE a.active AND b.active
           AND b.parent_id IS DISTINCT FROM a.id AND a.parent_id IS DISTINCT FROM b.id
        UNION
        SELECT a.id, b.id FROM res_partner a JOIN res_partner b
            ON b.crm_vat_normalized = a.crm_vat_normalized AND b.id > a.id
         WHERE a.active AND b.active
           AND b.parent_id IS DISTINCT FROM a.id AND a.parent_id IS DISTINCT FROM b.id
        UNION
        SELECT a.id, b.id FROM res_partner a JOIN res_partner b
            ON crm_core_unaccent(lower(b.name)) %% crm_core_unaccent(lower(a.name))
           AND b.id > a.id
         WHERE a.active AND b.active
           AND similarity(crm_core_unaccent(lower(b.name)), crm_core_unaccent(lower(a.name)))
               >= %(threshold)s
           AND b.parent_id IS DISTINCT FROM a.id AND a.parent_id IS DISTINCT FROM b.id
    ) pairs
"""


def bench_scoring(ctx):
    env, cr = ctx.env, ctx.cr
    # Odoo's predictive scoring only updates leads created after crm.pls_start_date,
    # which installation sets to the installation day; include every generated lead.
    env["ir.config_parameter"].set_param(
        "crm.pls_start_date", str((datetime.now() - timedelta(days=3 * 365)).date())
    )
    cr.execute(
        "UPDATE crm_lead SET crm_score = NULL, crm_grade = NULL,"
        " crm_score_breakdown = NULL, crm_score_date = NULL"
    )
    cr.execute("DELETE FROM ir_config_parameter WHERE key LIKE 'crm_core.score_cursor.%%'")
    cr.commit()
    env.invalidate_all()
    scoring = measure(lambda: env["crm.score.rule"]._cron_compute_scores(model_names=["crm.lead"]))
    cr.commit()
    pls = measure(lambda: env["crm.lead"]._cron_update_automated_probabilities())
    cr.commit()
    cr.execute("SELECT COUNT(*), COUNT(crm_score) FROM crm_lead WHERE active")
    active, scored = cr.fetchone()
    return [
        Result(
            "Lead scoring, first pass over active leads",
            scoring.seconds,
            scoring.queries,
            scoring.peak_mb,
            "Odoo predictive scoring cron",
            pls.seconds,
            {"active_leads": active, "scored_leads": scored, "baseline_queries": pls.queries},
        )
    ]


def bench_duplicates(ctx):
    env, cr = ctx.env, ctx.cr
    Partner = env["res.partner"]
    injected = ctx.data["injected_duplicates"]
    original_id, copy_id, _kind = next(pair for pair in injected if pair[2] == "email")
    target = Partner.browse(copy_id)
    target._crm_find_duplicate_ids()
    one = measure(lambda: target._crm_find_duplicate_ids(), repeat=3, before=env.invalidate_all)
    candidates = one.result.get(copy_id, {})
    results = [
        Result(
            "Duplicate candidates of one contact",
            one.seconds,
            one.queries,
            one.peak_mb,
            "target 0.1 s",
            0.1,
            {
                "candidates": len(candidates),
                "original_found": original_id in candidates,
                "reasons": candidates.get(original_id, []),
            },
        )
    ]

    Pair = env["crm.duplicate.pair"]
    cr.execute("DELETE FROM crm_duplicate_pair")

    def scan():
        last_id = 0
        while True:
            batch = Partner.search([("id", ">", last_id)], order="id", limit=SCAN_BATCH)
            if not batch:
                return
            Pair._crm_refresh_for(batch)
            last_id = batch[-1].id
            env.invalidate_all()

    full = measure(scan)
    env.flush_all()

    def hand_written():
        cr.execute("SET LOCAL pg_trgm.similarity_threshold = 0.6")
        cr.execute(HAND_WRITTEN_DUPLICATE_PAIRS, {"threshold": 0.6})
        return cr.fetchone()[0]

    sql = measure(hand_written)
    cr.execute(
        "SELECT record_id, duplicate_id, reason_codes FROM crm_duplicate_pair"
        " WHERE model_name = 'res.partner'"
    )
    pairs = {(row[0], row[1]): (row[2] or "").split(",") for row in cr.fetchall()}
    found = {kind: 0 for kind in ("email", "phone", "vat", "name")}
    for original, copy, kind in injected:
        if kind in pairs.get((min(original, copy), max(original, copy)), []):
            found[kind] += 1
    cr.commit()
    results.append(
        Result(
            "Duplicate scan of all contacts",
            full.seconds,
            full.queries,
            full.peak_mb,
            "one hand-written SQL query",
            sql.seconds,
            {"pairs": len(pairs), "sql_pairs": sql.result, "injected_found": found},
        )
    )
    return results


def read_partner_form(env, partner_id):
    """Read a partner as the form view does; return the values."""
    views = env["res.partner"].get_views([(False, "form")])
    spec = view_specification(
        views["views"]["form"]["arch"], views["models"]["res.partner"]["fields"]
    )
    return env["res.partner"].browse(partner_id).web_read(spec)[0]


def bench_customer_360(ctx):
    env = ctx.env
    salesperson = env["res.users"].search([("login", "=", ctx.data["salesperson_login"])])
    user_env = env(user=salesperson.id)
    figures = {}
    measurements = {}
    for key in ("small", "large"):
        customer = ctx.data[f"customer_360_{key}"]
        read_partner_form(user_env, customer["partner_id"])
        measurement = measure(
            lambda customer=customer: read_partner_form(user_env, customer["partner_id"]),
            repeat=3,
            before=env.invalidate_all,
        )
        measurements[key] = measurement
        values = measurement.result
        figures[key] = {
            "documents": customer["documents"],
            "queries": measurement.queries,
            "open_opportunities": values.get("crm_open_opportunity_count"),
            "lifetime_revenue": values.get("crm_lifetime_revenue"),
            "tickets": values.get("crm_helpdesk_ticket_count"),
        }
    small, large = measurements["small"], measurements["large"]
    return [
        Result(
            f"360° view, customer with {figures['small']['documents']} documents",
            small.seconds,
            small.queries,
            small.peak_mb,
            "",
            None,
            figures["small"],
        ),
        Result(
            f"360° view, customer with {figures['large']['documents']:,} documents",
            large.seconds,
            large.queries,
            large.peak_mb,
            "same view, 10 documents",
            small.seconds,
            {**figures["large"], "queries_small": small.queries},
        ),
    ]


BENCHMARKS = {
    "scoring": bench_scoring,
    "duplicates": bench_duplicates,
    "customer_360": bench_customer_360,
}

if __name__ == "__main__":
    from harness import main

    sys.exit(main(["--only", ",".join(BENCHMARKS), *sys.argv[1:]]))
