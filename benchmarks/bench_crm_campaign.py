#!/usr/bin/env python3
"""Benchmark of crm_campaign: segment evaluation and nurturing sequence advance.

    python3 benchmarks/bench_crm_campaign.py --database camp_bench --contacts 100000 \
        --participants 20000

The database is created with crm_campaign (without demo data) when it does not
exist, then filled by SQL with ``--contacts`` contacts named after the Maven CRM
sample accounts, mail traces, website events, blocklist entries and list
opt-outs. It prints, for each measured step, the wall time and the number of
SQL queries:

* a five-criterion segment (opened in 30 days, visited a pricing page, never
  clicked, country, tag) with the blocklist and one list's opt-outs, counted
  through the ORM, against the same count written by hand in SQL, as a ratio;
* the nurturing cron advancing ``--participants`` participants through a tag
  step into a wait step, then ``--mail-participants`` of them through a mail
  step (queued mails, traces and log rows).

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
# Repetitions of each segment count; the best time is kept.
SEGMENT_RUNS = 5
COUNTRY_CODES = ["DE", "AT", "CH", "FR", "US"]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True, help="database to create or reuse")
    parser.add_argument("--contacts", type=int, default=100000)
    parser.add_argument("--participants", type=int, default=20000)
    parser.add_argument("--mail-participants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def load_account_names():
    data_dir = Path(
        os.environ.get("CRM_SUITE_DATA", REPO.parent / "shared" / "data" / "maven_crm")
    )
    accounts = data_dir / "accounts.csv"
    if not accounts.exists():
        sys.exit(f"Maven CRM sample data not found: {accounts}. Set CRM_SUITE_DATA.")
    with accounts.open(newline="", encoding="utf-8") as handle:
        return [row["account"] for row in csv.DictReader(handle)]


def ensure_database(database, flags):
    import odoo.service.db

    if odoo.service.db.exp_db_exist(database):
        return
    print(f"Creating database {database} with crm_campaign (a few minutes)...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", *flags, "-d", database, "-i", "crm_campaign",
         "--without-demo=all", "--stop-after-init", "--max-cron-threads=0", "--no-http"],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )


def insert_rows(cr, table, columns, rows):
    from psycopg2.extras import execute_values

    ids = []
    for start in range(0, len(rows), INSERT_CHUNK):
        result = execute_values(
            cr._obj,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s RETURNING id",
            rows[start:start + INSERT_CHUNK],
            page_size=INSERT_CHUNK,
            fetch=True,
        )
        ids.extend(row[0] for row in result)
    return ids


def fill_database(env, contacts, rng):
    """Insert the contacts and their behaviour once; return the fixtures."""
    cr = env.cr
    tag = env["res.partner.category"].search([("name", "=", "Bench VIP")], limit=1)
    if not tag:
        tag = tag.create({"name": "Bench VIP"})
    mailing_list = env["mailing.list"].search([("name", "=", "Bench newsletter")], limit=1)
    if not mailing_list:
        mailing_list = mailing_list.create({"name": "Bench newsletter"})
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE name LIKE 'Bench %%'")
    if cr.fetchone()[0] >= contacts:
        print(f"Database already holds {contacts} benchmark contacts; reusing them.")
        return tag, mailing_list
    started = time.perf_counter()
    names = load_account_names()
    countries = env["res.country"].search([("code", "in", COUNTRY_CODES)])
    now = datetime.now()
    partner_rows = []
    for index in range(contacts):
        email = f"bench{index}@{names[index % len(names)].lower().replace(' ', '')}.example"
        partner_rows.append((
            f"Bench {names[index % len(names)]} {index}", email, email,
            rng.choice(countries).id, True, "contact", "en_US", now, now, 1, 1,
        ))
    partner_ids = insert_rows(cr, "res_partner", [
        "name", "email", "email_normalized", "country_id", "active", "type", "lang",
        "create_date", "write_date", "create_uid", "write_uid",
    ], partner_rows)
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL"
    )
    cr.execute(
        "INSERT INTO res_partner_res_partner_category_rel (partner_id, category_id)"
        " SELECT id, %s FROM res_partner WHERE id = ANY(%s) AND id %% 3 = 0",
        [tag.id, partner_ids],
    )
    mailing = env["mailing.mailing"].create({
        "subject": "Bench mailing",
        "mailing_model_id": env["ir.model"]._get_id("res.partner"),
    })
    trace_rows = []
    for index, partner_id in enumerate(partner_ids):
        if rng.random() > 0.6:
            continue
        opened = now - timedelta(days=rng.randrange(90)) if rng.random() < 0.5 else None
        clicked = opened if opened and rng.random() < 0.3 else None
        trace_rows.append((
            mailing.id, "res.partner", partner_id, partner_rows[index][2],
            "open" if opened else "sent", "mail", now - timedelta(days=90), opened, clicked,
            now, now, 1, 1,
        ))
    insert_rows(cr, "mailing_trace", [
        "mass_mailing_id", "model", "res_id", "email", "trace_status", "trace_type",
        "sent_datetime", "open_datetime", "links_click_datetime",
        "create_date", "write_date", "create_uid", "write_uid",
    ], trace_rows)
    event_rows = [
        ("website_visit", rng.choice(partner_ids),
         rng.choice(["https://shop.example/pricing", "https://shop.example/blog"]),
         now - timedelta(days=rng.randrange(60)), now, now, 1, 1)
        for _index in range(contacts // 5)
    ]
    insert_rows(cr, "crm_tracking_event", [
        "event_type", "partner_id", "url", "occurred_at",
        "create_date", "write_date", "create_uid", "write_uid",
    ], event_rows)
    blocklisted = rng.sample(partner_rows, contacts // 100)
    insert_rows(cr, "mail_blacklist", [
        "email", "active", "create_date", "write_date", "create_uid", "write_uid",
    ], [(row[2], True, now, now, 1, 1) for row in blocklisted])
    opted_out = rng.sample(partner_rows, contacts // 50)
    contact_ids = insert_rows(cr, "mailing_contact", [
        "name", "email", "email_normalized", "create_date", "write_date",
        "create_uid", "write_uid",
    ], [(row[0], row[1], row[2], now, now, 1, 1) for row in opted_out])
    insert_rows(cr, "mailing_subscription", [
        "contact_id", "list_id", "opt_out", "create_date", "write_date",
        "create_uid", "write_uid",
    ], [(contact_id, mailing_list.id, True, now, now, 1, 1) for contact_id in contact_ids])
    cr.execute(
        "ANALYZE res_partner; ANALYZE mailing_trace; ANALYZE crm_tracking_event;"
        " ANALYZE mail_blacklist; ANALYZE mailing_subscription; ANALYZE mailing_contact"
    )
    cr.commit()
    env.invalidate_all()
    print(f"Filled {contacts} contacts, {len(trace_rows)} traces, {len(event_rows)} "
          f"events in {time.perf_counter() - started:.1f} s", flush=True)
    return tag, mailing_list


def measure(label, function, runs=1):
    """Run ``function`` ``runs`` times; print and return the best wall time."""
    import odoo.sql_db

    best = None
    for _run in range(runs):
        queries_before = odoo.sql_db.sql_counter
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        queries = odoo.sql_db.sql_counter - queries_before
        best = elapsed if best is None else min(best, elapsed)
    print(f"{label:<58} {best:8.3f} s {queries:7d} queries", flush=True)
    return best, result


def hand_written_count(cr, since, countries, tag, mailing_list):
    cr.execute("""
        SELECT COUNT(*) FROM res_partner p
         WHERE p.active
           AND p.country_id = ANY(%(countries)s)
           AND EXISTS (SELECT 1 FROM res_partner_res_partner_category_rel r
                        WHERE r.partner_id = p.id AND r.category_id = %(tag)s)
           AND EXISTS (SELECT 1 FROM mailing_trace t
                        WHERE t.email = p.email_normalized
                          AND COALESCE(t.open_datetime, t.links_click_datetime,
                                       t.reply_datetime) >= %(since)s)
           AND EXISTS (SELECT 1 FROM crm_tracking_event e
                        WHERE e.partner_id = p.id AND e.event_type = 'website_visit'
                          AND e.url ILIKE '%%pricing%%')
           AND NOT EXISTS (SELECT 1 FROM mailing_trace t
                            WHERE t.email = p.email_normalized
                              AND t.links_click_datetime IS NOT NULL)
           AND (p.email_normalized IS NULL OR (
                NOT EXISTS (SELECT 1 FROM mail_blacklist b
                             WHERE b.active AND b.email = p.email_normalized)
                AND NOT EXISTS (SELECT 1 FROM mailing_subscription s
                                  JOIN mailing_contact c ON c.id = s.contact_id
                                 WHERE s.opt_out AND s.list_id = %(list)s
                                   AND c.email_normalized = p.email_normalized)))
    """, {"countries": countries.ids, "tag": tag.id, "since": since,
          "list": mailing_list.id})
    return cr.fetchone()[0]


def hand_written_count_in(cr, since, countries, tag, mailing_list):
    """Return the same count written with IN subqueries instead of EXISTS."""
    cr.execute("""
        SELECT COUNT(*) FROM res_partner p
         WHERE p.active
           AND p.country_id = ANY(%(countries)s)
           AND p.id IN (SELECT r.partner_id FROM res_partner_res_partner_category_rel r
                         WHERE r.category_id = %(tag)s)
           AND p.email_normalized IN (
                SELECT t.email FROM mailing_trace t
                 WHERE COALESCE(t.open_datetime, t.links_click_datetime,
                                t.reply_datetime) >= %(since)s)
           AND p.id IN (SELECT e.partner_id FROM crm_tracking_event e
                         WHERE e.event_type = 'website_visit'
                           AND e.url ILIKE '%%pricing%%')
           AND p.email_normalized NOT IN (
                SELECT t.email FROM mailing_trace t
                 WHERE t.links_click_datetime IS NOT NULL AND t.email IS NOT NULL)
           AND p.email_normalized NOT IN (
                SELECT b.email FROM mail_blacklist b
                 WHERE b.active AND b.email IS NOT NULL)
           AND p.email_normalized NOT IN (
                SELECT c.email_normalized FROM mailing_subscription s
                  JOIN mailing_contact c ON c.id = s.contact_id
                 WHERE s.opt_out AND s.list_id = %(list)s
                   AND c.email_normalized IS NOT NULL)
    """, {"countries": countries.ids, "tag": tag.id, "since": since,
          "list": mailing_list.id})
    return cr.fetchone()[0]


def bench_segment(env, tag, mailing_list):
    countries = env["res.country"].search([("code", "in", ["DE", "AT"])])
    segment = env["crm.segment"].create({
        "name": "Bench segment",
        "optout_list_ids": [(6, 0, mailing_list.ids)],
        "criterion_ids": [
            (0, 0, {"criterion_type": "email_opened", "days": 30}),
            (0, 0, {"criterion_type": "website_visit", "url_contains": "pricing"}),
            (0, 0, {"criterion_type": "email_clicked", "operator": "is_not"}),
            (0, 0, {"criterion_type": "country", "country_ids": [(6, 0, countries.ids)]}),
            (0, 0, {"criterion_type": "tag", "partner_tag_ids": [(6, 0, tag.ids)]}),
        ],
    })
    env.cr.commit()
    since = datetime.now() - timedelta(days=30)
    orm_time, orm_count = measure(
        "segment count through the ORM (5 criteria + consent)",
        lambda: env["res.partner"].search_count(segment._get_member_domain()),
        runs=SEGMENT_RUNS,
    )
    exists_time, exists_count = measure(
        "same count, hand-written SQL with EXISTS",
        lambda: hand_written_count(env.cr, since, countries, tag, mailing_list),
        runs=SEGMENT_RUNS,
    )
    in_time, in_count = measure(
        "same count, hand-written SQL with IN",
        lambda: hand_written_count_in(env.cr, since, countries, tag, mailing_list),
        runs=SEGMENT_RUNS,
    )
    best_sql = min(exists_time, in_time)
    print(f"members: ORM {orm_count}, SQL {exists_count} and {in_count}; "
          f"ratio ORM / fastest SQL = {orm_time / best_sql:.2f}\n", flush=True)
    segment.unlink()
    env.cr.commit()


def bench_sequence(env, participants, mail_participants):
    cr = env.cr
    tag = env["res.partner.category"].create({"name": "Bench nurtured"})
    template = env["mail.template"].create({
        "name": "Bench welcome",
        "model_id": env["ir.model"]._get_id("res.partner"),
        "subject": "Welcome {{ object.crm_first_name or '' }}",
        "body_html": "<p><t t-out=\"object.crm_salutation\"/></p>",
    })
    cr.execute(
        "SELECT id FROM res_partner WHERE name LIKE 'Bench %%' ORDER BY id LIMIT %s",
        [participants],
    )
    partner_ids = [row[0] for row in cr.fetchall()]

    def run_sequence(steps, partner_ids):
        sequence = env["crm.nurture.sequence"].create({
            "name": f"Bench sequence {time.time()}",
            "step_ids": [(0, 0, step) for step in steps],
        })
        sequence.action_start()
        # Odoo compares with a now() rounded down to the second.
        now = datetime.now().replace(microsecond=0) - timedelta(seconds=1)
        insert_rows(cr, "crm_nurture_participant", [
            "sequence_id", "partner_id", "company_id", "state", "current_step_id",
            "step_started_at", "next_run_at", "enrolled_at", "create_date", "write_date",
            "create_uid", "write_uid",
        ], [(sequence.id, partner_id, env.company.id, "running", sequence.step_ids[0].id,
             now, now, now, now, now, 1, 1) for partner_id in partner_ids])
        cr.commit()
        env.invalidate_all()
        return sequence

    run_sequence([
        {"step_type": "tag", "partner_tag_ids": [(6, 0, tag.ids)]},
        {"step_type": "wait", "wait_days": 3},
    ], partner_ids)
    elapsed, advanced = measure(
        f"cron: {len(partner_ids)} participants, tag step into wait step",
        lambda: env["crm.nurture.sequence"]._cron_advance_participants(),
    )
    print(f"advanced {advanced}: {advanced / elapsed:.0f} participants per second",
          flush=True)

    run_sequence([
        {"step_type": "mail", "mail_template_id": template.id},
        {"step_type": "wait", "wait_days": 3},
    ], partner_ids[:mail_participants])
    elapsed, advanced = measure(
        f"cron: {mail_participants} participants, mail step into wait step",
        lambda: env["crm.nurture.sequence"]._cron_advance_participants(),
    )
    print(f"advanced {advanced}: {advanced / elapsed:.0f} mails queued per second",
          flush=True)


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
        tag, mailing_list = fill_database(env, args.contacts, rng)
        print()
        bench_segment(env, tag, mailing_list)
        bench_sequence(env, args.participants, args.mail_participants)
        cr.rollback()


if __name__ == "__main__":
    main()
