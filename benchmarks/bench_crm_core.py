#!/usr/bin/env python3
"""Benchmark of crm_core: lead scoring and duplicate search at scale.

    python3 benchmarks/bench_crm_core.py --database core_bench --scale 100000

The database is created with crm_core (without demo data) when it does not
exist, then filled by SQL with ``--scale`` partners and ``--scale`` leads whose
company names come from the Maven CRM sample accounts. It prints, for each
measured step, the wall time and the number of SQL queries:

* crm_core lead scoring: the lead phase of the daily scoring cron over all
  active leads, against Odoo's predictive lead scoring cron
  (``crm.lead._cron_update_automated_probabilities``) on the same database;
* duplicate candidates of one contact among all partners.

This is a measurement, not a test: nothing is asserted.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import odoo_flags

REPO = Path(__file__).resolve().parent.parent
# Rows inserted per INSERT statement while filling the database.
INSERT_CHUNK = 5000

FIRST_NAMES = ["Anna", "Jonas", "Lea", "Lukas", "Marie", "Paul", "Sophie", "Felix", "Emma", "Jörg"]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
]
COUNTRY_CODES = ["DE", "AT", "CH", "FR", "US"]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, help="database to create or reuse (use your prefix)"
    )
    parser.add_argument("--scale", type=int, default=10000, help="number of partners and of leads")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the generated data")
    return parser.parse_args()


def load_account_names():
    data_dir = Path(os.environ.get("CRM_SUITE_DATA", REPO.parent / "shared" / "data" / "maven_crm"))
    accounts = data_dir / "accounts.csv"
    if not accounts.exists():
        sys.exit(f"Maven CRM sample data not found: {accounts}. Set CRM_SUITE_DATA to its folder.")
    with accounts.open(newline="", encoding="utf-8") as handle:
        return [row["account"] for row in csv.DictReader(handle)]


def ensure_database(database, flags):
    """Create the database with crm_core installed unless it already exists."""
    import odoo.service.db

    if odoo.service.db.exp_db_exist(database):
        return
    print(f"Creating database {database} with crm_core (a few minutes)...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *flags,
            "-d",
            database,
            "-i",
            "crm_core",
            "--without-demo=all",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--no-http",
        ],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def insert_rows(cr, table, columns, rows):
    from psycopg2.extras import execute_values

    ids = []
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        result = execute_values(
            cr._obj,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s RETURNING id",
            chunk,
            page_size=INSERT_CHUNK,
            fetch=True,
        )
        ids.extend(row[0] for row in result)
    return ids


def fill_database(env, scale, rng):
    """Insert ``scale`` partners (one company per four) and ``scale`` leads, once."""
    cr = env.cr
    cr.execute("SELECT COUNT(*) FROM crm_lead WHERE name LIKE 'Bench %%'")
    if cr.fetchone()[0] >= scale:
        print(f"Database already holds {scale} benchmark leads; reusing them.")
        return
    started = time.perf_counter()
    account_names = load_account_names()
    countries = {c.code: c for c in env["res.country"].search([("code", "in", COUNTRY_CODES)])}
    partner = env["res.partner"]
    now = datetime.now()
    company_rows, company_keys = [], []
    company_count = max(1, scale // 4)
    for i in range(company_count):
        name = f"{rng.choice(account_names)} {i}"
        if i % 100 == 1:
            # One company in a hundred is a near duplicate of the previous one.
            name = company_rows[-1][0].upper().replace("O", "Ö", 1)
        slug = f"c{i}"
        country = countries[rng.choice(COUNTRY_CODES)]
        phone = f"+49 89 {1000000 + i}"
        company_rows.append(
            (
                name,
                name,
                True,
                True,
                "contact",
                f"info@{slug}.example",
                f"info@{slug}.example",
                phone,
                partner._crm_normalize_phone(phone, country),
                country.id,
                "en_US",
                now,
                now,
                1,
                1,
            )
        )
        company_keys.append(slug)
    columns = [
        "name",
        "complete_name",
        "is_company",
        "active",
        "type",
        "email",
        "email_normalized",
        "phone",
        "crm_phone_normalized",
        "country_id",
        "lang",
        "create_date",
        "write_date",
        "create_uid",
        "write_uid",
    ]
    company_ids = insert_rows(cr, "res_partner", columns, company_rows)
    contact_rows = []
    for i in range(scale - company_count):
        company_index = rng.randrange(company_count)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last} {i}"
        email = f"{first}.{last}{i}@{company_keys[company_index]}.example".lower()
        contact_rows.append(
            (
                name,
                f"{company_rows[company_index][0]}, {name}",
                False,
                True,
                "contact",
                email,
                email,
                None,
                None,
                None,
                "en_US",
                now,
                now,
                1,
                1,
                company_ids[company_index],
            )
        )
    contact_ids = insert_rows(cr, "res_partner", columns + ["parent_id"], contact_rows)
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = COALESCE(parent_id, id) "
        "WHERE commercial_partner_id IS NULL"
    )

    stages = env["crm.stage"].search([])
    won_stage = stages.filtered("is_won")[:1]
    open_stages = stages - won_stage
    team = env["crm.team"].search([], limit=1)
    sources = env["utm.source"].search([], limit=5)
    lead_rows = []
    for i in range(scale):
        contact_index = rng.randrange(len(contact_ids))
        email = contact_rows[contact_index][5]
        country = countries[rng.choice(COUNTRY_CODES)]
        outcome = rng.random()
        if outcome < 0.15:
            stage, probability, active = won_stage, 100, True
        elif outcome < 0.35:
            stage, probability, active = rng.choice(open_stages), 0, False
        else:
            stage, probability, active = (
                rng.choice(open_stages),
                rng.choice([10, 20, 40, 60, 80]),
                True,
            )
        revenue = rng.choice([500, 1500, 4000, 9000, 25000])
        created = now - timedelta(days=rng.randrange(730))
        lead_rows.append(
            (
                f"Bench {i}",
                "opportunity",
                active,
                env.company.id,
                team.id,
                stage.id,
                2,
                probability,
                probability,
                revenue,
                round(revenue * probability / 100.0, 2),
                contact_ids[contact_index],
                email,
                email,
                country.id,
                rng.choice(sources).id if sources else None,
                created,
                created,
                1,
                1,
                created,
            )
        )
    lead_ids = insert_rows(
        cr,
        "crm_lead",
        [
            "name",
            "type",
            "active",
            "company_id",
            "team_id",
            "stage_id",
            "user_id",
            "probability",
            "automated_probability",
            "expected_revenue",
            "prorated_revenue",
            "partner_id",
            "email_from",
            "email_normalized",
            "country_id",
            "source_id",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
            "date_open",
        ],
        lead_rows,
    )
    event_types = ["email_open", "email_click", "website_visit", "download", "form_submit", "reply"]
    event_rows = []
    for _i in range(scale // 2):
        lead_index = rng.randrange(scale)
        event_rows.append(
            (
                rng.choice(event_types),
                lead_ids[lead_index],
                None,
                now - timedelta(days=rng.randrange(120), minutes=rng.randrange(1440)),
                now,
                now,
                1,
                1,
            )
        )
    insert_rows(
        cr,
        "crm_score_event",
        [
            "event_type",
            "lead_id",
            "partner_id",
            "occurred_at",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
        event_rows,
    )
    cr.execute("""
        UPDATE crm_score_event e SET commercial_partner_id = p.commercial_partner_id
          FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
         WHERE l.id = e.lead_id AND e.commercial_partner_id IS NULL
    """)
    create_rules(env, countries, sources)
    cr.execute("ANALYZE res_partner; ANALYZE crm_lead; ANALYZE crm_score_event")
    cr.commit()
    env.invalidate_all()
    print(
        f"Filled {scale} partners, {scale} leads and {scale // 2} events "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def create_rules(env, countries, sources):
    Rule = env["crm.score.rule"]
    if Rule.search_count([]):
        return
    Rule.create(
        [
            {
                "name": "Country DACH",
                "points": 15,
                "domain": str(
                    [("country_id", "in", [countries[c].id for c in ("DE", "AT", "CH")])]
                ),
            },
            {"name": "Large deal", "points": 20, "domain": "[('expected_revenue', '>=', 9000)]"},
            {
                "name": "Known source",
                "points": 5,
                "domain": str([("source_id", "in", sources.ids)]),
            },
            {"name": "Has email", "points": 5, "domain": "[('email_from', '!=', False)]"},
            {
                "name": "Clicks",
                "rule_type": "event",
                "event_type": "email_click",
                "points": 10,
                "decay_days": 30,
                "max_points": 30,
            },
            {
                "name": "Visits",
                "rule_type": "event",
                "event_type": "website_visit",
                "points": 3,
                "max_points": 15,
            },
            {
                "name": "Replies",
                "rule_type": "event",
                "event_type": "reply",
                "points": 25,
                "decay_days": 60,
            },
            {
                "name": "Company",
                "model_name": "res.partner",
                "points": 10,
                "domain": "[('is_company', '=', True)]",
            },
        ]
    )


def measure(label, function):
    """Run ``function`` and print its wall time and SQL query count; return both."""
    import odoo.sql_db

    queries_before = odoo.sql_db.sql_counter
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    queries = odoo.sql_db.sql_counter - queries_before
    print(f"{label:<52} {elapsed:9.2f} s {queries:9d} queries", flush=True)
    return elapsed, queries, result


def main():
    args = parse_args()
    flags = odoo_flags()
    import odoo
    from odoo.tools import config

    config.parse_config([*flags, "-d", args.database, "--max-cron-threads=0", "--no-http"])
    ensure_database(args.database, flags)
    registry = odoo.modules.registry.Registry(args.database)
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        fill_database(env, args.scale, rng)
        cr.execute("SELECT COUNT(*) FROM crm_lead WHERE active")
        active_leads = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM res_partner")
        partners = cr.fetchone()[0]
        print(f"\nDatabase {args.database}: {active_leads} active leads, {partners} partners\n")

        # Odoo's predictive scoring only updates leads created after crm.pls_start_date,
        # which installation sets to the installation day; include all generated leads.
        env["ir.config_parameter"].set_param(
            "crm.pls_start_date", str((datetime.now() - timedelta(days=3 * 365)).date())
        )
        # First pass: every lead gets a new score (nothing was scored before).
        reset_scores = (
            "UPDATE {table} SET crm_score = NULL, crm_grade = NULL,"
            " crm_score_breakdown = NULL, crm_score_date = NULL"
        )
        cr.execute(reset_scores.format(table="crm_lead"))
        cr.execute("DELETE FROM ir_config_parameter WHERE key LIKE 'crm_core.score_cursor.%%'")
        cr.commit()
        score_time, score_queries, _ = measure(
            "crm_core scoring cron, lead phase, first pass",
            lambda: env["crm.score.rule"]._cron_compute_scores(model_names=["crm.lead"]),
        )
        # Nightly pass: the same leads again; only scores that changed are written.
        cr.execute("DELETE FROM ir_config_parameter WHERE key LIKE 'crm_core.score_cursor.%%'")
        cr.commit()
        env.registry.clear_cache()
        nightly_time, nightly_queries, _ = measure(
            "crm_core scoring cron, lead phase, nightly pass",
            lambda: env["crm.score.rule"]._cron_compute_scores(model_names=["crm.lead"]),
        )
        pls_time, pls_queries, _ = measure(
            "Odoo predictive lead scoring cron (baseline)",
            lambda: env["crm.lead"]._cron_update_automated_probabilities(),
        )
        cr.execute(reset_scores.format(table="res_partner"))
        cr.commit()
        measure(
            "crm_core scoring cron, partner phase, first pass",
            lambda: env["crm.score.rule"]._cron_compute_scores(model_names=["res.partner"]),
        )
        print(
            f"\nRatio scoring / predictive lead scoring: first pass {score_time / pls_time:.2f} "
            f"(time), {score_queries / max(pls_queries, 1):.2f} (queries); nightly pass "
            f"{nightly_time / pls_time:.2f} (time), "
            f"{nightly_queries / max(pls_queries, 1):.2f} (queries)\n"
        )

        cr.execute("""
            SELECT p.id FROM res_partner p
             WHERE p.is_company AND p.name = UPPER(p.name)
             ORDER BY p.id DESC LIMIT 1
        """)
        row = cr.fetchone()
        target = env["res.partner"].browse(
            row[0] if row else env["res.partner"].search([], limit=1).id
        )
        env.invalidate_all()
        _t, _q, found = measure(
            f"duplicate candidates of one contact (cold, id {target.id})",
            lambda: target._crm_find_duplicate_ids(),
        )
        measure(
            "duplicate candidates of one contact (warm)", lambda: target._crm_find_duplicate_ids()
        )
        env.invalidate_all()
        measure(
            "duplicates as shown on the form (with access check)",
            lambda: target.crm_duplicate_ids.ids,
        )
        print(
            f"  {target.name!r}: {len(found.get(target.id, {}))} candidates "
            f"{sorted(found.get(target.id, {}).items())[:5]}"
        )
        cr.rollback()


if __name__ == "__main__":
    main()
