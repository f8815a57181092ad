#!/usr/bin/env python3
"""Benchmark of crm_helpdesk: the SLA escalation cron over many open tickets.

    python3 benchmarks/bench_crm_helpdesk.py --database desk_bench --scale 100000

The database is created with crm_helpdesk (without demo data) when it does not
exist, then filled by SQL with ``--scale`` open tickets of customers named after
the Maven CRM sample accounts, each with a first-response and a resolution SLA
line. ``--due`` is the share of lines whose at-risk, deadline or manager date has
passed, spread evenly over the three escalation levels. The other lines are on
track.

The cron (``crm.helpdesk.ticket.sla._cron_escalate``) then runs as it does in
production: one transaction per batch, committed. For each batch the script
prints the wall time, the SQL queries and the resident memory of the process;
a second run, with nothing left to escalate, shows the cost of the 5-minute
check alone. This is a measurement, not a test: nothing is asserted, and the
benchmark data stays in the database for the next run (``--refill`` renews it).
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
# Customers generated: one per ten tickets.
TICKETS_PER_CUSTOMER = 10


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, help="database to create or reuse (use your prefix)"
    )
    parser.add_argument("--scale", type=int, default=100000, help="number of open tickets")
    parser.add_argument(
        "--due",
        type=float,
        default=0.02,
        help="share of SLA lines due for an escalation level (0 to 1)",
    )
    parser.add_argument("--batch-size", type=int, default=500, help="SLA lines per cron batch")
    parser.add_argument(
        "--refill", action="store_true", help="delete the benchmark tickets and fill again"
    )
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
    """Create the database with crm_helpdesk installed unless it already exists."""
    import odoo.service.db

    if odoo.service.db.exp_db_exist(database):
        return
    print(f"Creating database {database} with crm_helpdesk (a few minutes)...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *flags,
            "-d",
            database,
            "-i",
            "crm_helpdesk",
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


def setup_configuration(env):
    """Return the benchmark team and policy, created once with the ORM."""
    from odoo import Command

    team = env["crm.helpdesk.team"].search([("name", "=", "Bench Support")], limit=1)
    if team:
        policy = env["crm.helpdesk.sla"].search([("name", "=", "Bench SLA")], limit=1)
        return team, policy
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Agent {i}",
                "login": f"bench_agent_{i}",
                "email": f"agent{i}@bench.example",
                "groups_id": [Command.link(env.ref("crm_helpdesk.group_helpdesk_user").id)],
            }
            for i in range(5)
        ]
    )
    team = env["crm.helpdesk.team"].create(
        {
            "name": "Bench Support",
            "member_ids": [Command.set(users.ids)],
            "leader_id": users[0].id,
            "manager_id": env.ref("base.user_admin").id,
        }
    )
    policy = env["crm.helpdesk.sla"].create(
        {
            "name": "Bench SLA",
            "team_ids": [Command.set(team.ids)],
            "first_response_hours": 4.0,
            "resolution_hours": 16.0,
            "at_risk_percent": 80.0,
            "manager_escalation_hours": 4.0,
        }
    )
    return team, policy


def fill_database(env, scale, due_share, rng, refill):
    """Insert ``scale`` open tickets with two SLA lines each, unless already there."""
    cr = env.cr
    if refill:
        cr.execute("DELETE FROM crm_helpdesk_ticket WHERE name LIKE 'Bench %%'")
    cr.execute("SELECT COUNT(*) FROM crm_helpdesk_ticket WHERE name LIKE 'Bench %%'")
    if cr.fetchone()[0] >= scale:
        print(f"Database already holds {scale} benchmark tickets; resetting their SLA state.")
        reset_due_lines(cr, due_share, rng)
        return
    started = time.perf_counter()
    team, policy = setup_configuration(env)
    stage = env.ref("crm_helpdesk.stage_in_progress")
    account_names = load_account_names()
    now = datetime.now()
    customer_rows = [
        (
            f"{rng.choice(account_names)} {i}",
            f"{rng.choice(account_names)} {i}",
            True,
            True,
            "contact",
            "en_US",
            now,
            now,
            1,
            1,
        )
        for i in range(max(1, scale // TICKETS_PER_CUSTOMER))
    ]
    customer_ids = insert_rows(
        cr,
        "res_partner",
        [
            "name",
            "complete_name",
            "is_company",
            "active",
            "type",
            "lang",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
        customer_rows,
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [customer_ids]
    )
    agents = team.member_ids.ids
    ticket_rows = []
    for i in range(scale):
        customer = customer_ids[i % len(customer_ids)]
        opened = now - timedelta(hours=rng.randint(0, 72))
        ticket_rows.append(
            (
                f"BT{i:07d}",
                f"Bench ticket {i}",
                team.company_id.id,
                rng.choice("0123"),
                "email",
                opened,
                stage.id,
                False,
                False,
                team.id,
                rng.choice(agents),
                customer,
                customer,
                True,
                0.0,
                0.0,
                0.0,
                0.0,
                now,
                now,
                1,
                1,
            )
        )
    ticket_ids = insert_rows(
        cr,
        "crm_helpdesk_ticket",
        [
            "number",
            "name",
            "company_id",
            "priority",
            "channel",
            "date_open",
            "stage_id",
            "is_closed",
            "is_waiting",
            "team_id",
            "user_id",
            "partner_id",
            "commercial_partner_id",
            "active",
            "time_spent",
            "planned_hours",
            "first_response_hours",
            "resolution_hours",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
        ticket_rows,
    )
    calendar = team.resource_calendar_id.id
    line_rows = []
    for ticket_id, ticket_row in zip(ticket_ids, ticket_rows, strict=False):
        customer = ticket_row[12]
        for target_type, hours in (("first_response", 4.0), ("resolution", 16.0)):
            line_rows.append(
                (
                    ticket_id,
                    policy.id,
                    target_type,
                    team.company_id.id,
                    team.id,
                    customer,
                    calendar,
                    hours,
                    now,
                    now + timedelta(days=3),
                    now + timedelta(days=2),
                    now + timedelta(days=4),
                    "on_track",
                    0,
                    0.0,
                    now,
                    now,
                    1,
                    1,
                )
            )
    insert_rows(
        cr,
        "crm_helpdesk_ticket_sla",
        [
            "ticket_id",
            "sla_id",
            "target_type",
            "company_id",
            "team_id",
            "partner_id",
            "calendar_id",
            "target_hours",
            "start_date",
            "deadline",
            "at_risk_date",
            "manager_date",
            "status",
            "escalation_level",
            "paused_hours",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
        line_rows,
    )
    reset_due_lines(cr, due_share, rng)
    cr.execute("ANALYZE crm_helpdesk_ticket")
    cr.execute("ANALYZE crm_helpdesk_ticket_sla")
    elapsed = time.perf_counter() - started
    print(f"Filled {scale} tickets and {len(line_rows)} SLA lines in {elapsed:.1f} s")


def reset_due_lines(cr, due_share, rng):
    """Put every line back on track, then make ``due_share`` of them due."""
    now = datetime.now()
    cr.execute(
        """
        UPDATE crm_helpdesk_ticket_sla
           SET status = 'on_track', escalation_level = 0, reached_date = NULL, paused_since = NULL,
               at_risk_date = %(risk)s, deadline = %(deadline)s, manager_date = %(manager)s
         WHERE sla_id IN (SELECT id FROM crm_helpdesk_sla WHERE name->>'en_US' = 'Bench SLA')
    """,
        {
            "risk": now + timedelta(days=2),
            "deadline": now + timedelta(days=3),
            "manager": now + timedelta(days=4),
        },
    )
    cr.execute("SELECT id FROM crm_helpdesk_ticket_sla ORDER BY id")
    ids = [row[0] for row in cr.fetchall()]
    due = rng.sample(ids, int(len(ids) * due_share))
    third = len(due) // 3
    hour = timedelta(hours=1)
    for chunk, (risk, deadline, manager) in (
        (due[:third], (now - hour, now + hour, now + 2 * hour)),
        (due[third : 2 * third], (now - 3 * hour, now - hour, now + hour)),
        (due[2 * third :], (now - 5 * hour, now - 3 * hour, now - hour)),
    ):
        cr.execute(
            """
            UPDATE crm_helpdesk_ticket_sla
               SET at_risk_date = %s, deadline = %s, manager_date = %s
             WHERE id = ANY(%s)
        """,
            [risk, deadline, manager, chunk],
        )
    cr.commit()


def resident_memory_mb():
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def run_cron(env, label, batch_size):
    """Run the escalation cron and print one line per batch."""
    import odoo

    Sla = type(env["crm.helpdesk.ticket.sla"])
    original = Sla._escalate
    batches = []

    def instrumented(self, now):
        # Time, queries and memory from the end of the previous batch: the
        # selection query, the escalation and the commit all count.
        result = original(self, now)
        batches.append(
            (len(self), time.perf_counter(), odoo.sql_db.sql_counter, resident_memory_mb())
        )
        return result

    Sla._escalate = instrumented
    try:
        start = (time.perf_counter(), odoo.sql_db.sql_counter)
        processed = env["crm.helpdesk.ticket.sla"]._cron_escalate(batch_size=batch_size)
        env.cr.commit()
        end = (time.perf_counter(), odoo.sql_db.sql_counter)
    finally:
        Sla._escalate = original
    print(
        f"\n{label}: {processed} SLA lines escalated in {end[0] - start[0]:.2f} s, "
        f"{end[1] - start[1]} queries"
    )
    previous_time, previous_queries = start
    for index, (size, at, queries, memory) in enumerate(batches, 1):
        batch_queries = queries - previous_queries
        print(
            f"  batch {index:3d}: {size:4d} lines {at - previous_time:7.2f} s "
            f"{batch_queries:6d} queries ({batch_queries / size:5.1f}/line) "
            f"RSS {memory:7.1f} MB"
        )
        previous_time, previous_queries = at, queries


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
        fill_database(env, args.scale, args.due, rng, args.refill)
        cr.commit()
        cr.execute("SELECT COUNT(*) FROM crm_helpdesk_ticket WHERE NOT is_closed")
        open_tickets = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM crm_helpdesk_ticket_sla WHERE reached_date IS NULL")
        running = cr.fetchone()[0]
        memory = resident_memory_mb()
        print(
            f"\nDatabase {args.database}: {open_tickets} open tickets, {running} running SLA "
            f"lines, batch size {args.batch_size}, RSS {memory:.1f} MB"
        )
        run_cron(env, "Escalation run", args.batch_size)
        run_cron(env, "Check with nothing due", args.batch_size)


if __name__ == "__main__":
    main()
