#!/usr/bin/env python3
"""Benchmark of crm_pipeline: the quarterly forecast at scale.

    python3 benchmarks/bench_crm_pipeline.py --database pipe_bench --scale 100000

The database is created with crm_pipeline (without demo data) when it does not
exist, then filled by SQL with ``--scale`` opportunities of 20 salespeople in
4 teams and 2 companies whose currencies differ (monthly rates), a third of
them won over the last two years, the others open over the next four quarters,
and one target per salesperson and quarter. Filling happens once: a database
that already holds the benchmark opportunities is reused.

It then measures, with warm caches and as a sales manager who sees both
companies, the forecast per quarter, salesperson and team as the pivot view
reads it (``crm.forecast.report._read_group``), against one hand-written SQL
query that computes the same figures on the same tables. It checks that both
return the same numbers and prints the median wall time of each, their ratio
and the number of SQL queries of the ORM path.

This is a measurement, not a test: nothing is asserted.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from common import odoo_flags

REPO = Path(__file__).resolve().parent.parent
BENCH_PREFIX = "Bench deal"
# Rows per INSERT statement while filling the database.
INSERT_CHUNK = 5000
MEASURES = [
    "weighted_revenue", "commit_revenue", "best_case_revenue", "won_revenue",
    "target_amount", "gap", "deal_count",
]

# The same figures as crm.forecast.report, written by hand as one query: the
# lead amounts converted at the closing date (won) or today (open), targets
# at today's rate, grouped by quarter of the forecast date, user and team.
HAND_WRITTEN_SQL = """
WITH rate_at AS (
    SELECT lead.id AS lead_id,
           CASE WHEN company.currency_id = %(currency)s THEN 1.0 ELSE
               COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = %(currency)s
                            AND (r.company_id = %(company)s OR r.company_id IS NULL)
                            AND r.name <= LEAST(COALESCE(lead.date_closed::date, CURRENT_DATE),
                                                CURRENT_DATE)
                          ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1), 1.0)
             / COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = company.currency_id
                            AND (r.company_id = %(company)s OR r.company_id IS NULL)
                            AND r.name <= LEAST(COALESCE(lead.date_closed::date, CURRENT_DATE),
                                                CURRENT_DATE)
                          ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1), 1.0)
           END AS factor
      FROM crm_lead lead
      JOIN res_company company ON company.id = lead.company_id
     WHERE lead.active AND lead.type = 'opportunity'
),
rows AS (
    SELECT CASE WHEN stage.is_won THEN (lead.date_closed AT TIME ZONE 'UTC')::date
                ELSE lead.date_deadline END AS forecast_date,
           lead.user_id, lead.team_id,
           CASE WHEN stage.is_won THEN 0
                ELSE lead.expected_revenue * lead.probability / 100.0 * rate_at.factor
           END AS weighted,
           CASE WHEN stage.is_won IS NOT TRUE AND lead.crm_forecast_category = 'commit'
                THEN lead.expected_revenue * rate_at.factor ELSE 0 END AS commit_amount,
           CASE WHEN stage.is_won IS NOT TRUE
                     AND lead.crm_forecast_category IN ('commit', 'best_case')
                THEN lead.expected_revenue * rate_at.factor ELSE 0 END AS best_case,
           CASE WHEN stage.is_won THEN lead.expected_revenue * rate_at.factor ELSE 0 END AS won,
           0.0 AS target,
           1 AS deals
      FROM crm_lead lead
      JOIN crm_stage stage ON stage.id = lead.stage_id
      JOIN rate_at ON rate_at.lead_id = lead.id
    UNION ALL
    SELECT target.date_start, target.user_id, target.team_id, 0, 0, 0, 0,
           CASE WHEN target.user_id IS NULL THEN 0 ELSE target.amount END, 0
      FROM crm_forecast_target target
)
SELECT date_trunc('quarter', forecast_date)::date, user_id, team_id,
       SUM(weighted), SUM(commit_amount), SUM(best_case), SUM(won),
       SUM(target), SUM(target) - SUM(won), SUM(deals)
  FROM rows
 GROUP BY 1, 2, 3
"""


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, help="database to create or reuse (use your prefix)"
    )
    parser.add_argument("--scale", type=int, default=100000, help="number of opportunities")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each variant")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generated data")
    return parser.parse_args()


def ensure_database(database, flags):
    """Create the database with crm_pipeline installed unless it exists."""
    import odoo.service.db

    if odoo.service.db.exp_db_exist(database):
        return
    print(f"Creating database {database} with crm_pipeline (a few minutes)...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", *flags, "-d", database, "-i", "crm_pipeline",
         "--without-demo=all", "--stop-after-init", "--max-cron-threads=0", "--no-http"],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )


def insert_rows(cr, table, columns, rows):
    """Insert ``rows`` (tuples in ``columns`` order) in chunks."""
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start:start + INSERT_CHUNK]
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
        cr.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders}",
            [value for row in chunk for value in row],
        )


def fill_database(env, scale, rng):
    """Create companies, rates, teams, salespeople, targets and ``scale``
    opportunities, unless the benchmark opportunities already exist."""
    cr = env.cr
    cr.execute("SELECT COUNT(*) FROM crm_lead WHERE name LIKE %s", [BENCH_PREFIX + "%"])
    existing = cr.fetchone()[0]
    if existing:
        print(f"Reusing the {existing} benchmark opportunities of the database.", flush=True)
        return
    started = time.perf_counter()
    main_company = env.ref("base.main_company")
    other_currency = env["res.currency"].with_context(active_test=False).search(
        [("id", "!=", main_company.currency_id.id), ("name", "in", ["CHF", "EUR"])], limit=1
    )
    other_currency.active = True
    other_company = env["res.company"].create(
        {"name": "Bench Schweiz AG", "currency_id": other_currency.id}
    )
    today = date.today()
    env["res.currency.rate"].create([
        {"currency_id": other_currency.id, "company_id": main_company.id,
         "name": (today.replace(day=1) - timedelta(days=30 * months)).isoformat(),
         "rate": round(0.85 + 0.01 * months, 4)}
        for months in range(30)
    ])
    group_manager = env.ref("sales_team.group_sale_manager")
    users = env["res.users"].with_context(no_reset_password=True).create([
        {"name": f"Bench Salesperson {index}", "login": f"bench_sales_{index}",
         "company_id": main_company.id,
         "company_ids": [(6, 0, [main_company.id, other_company.id])],
         "groups_id": [(6, 0, [group_manager.id, env.ref("base.group_user").id])]}
        for index in range(20)
    ])
    teams = env["crm.team"].create([{"name": f"Bench Team {index}"} for index in range(4)])
    stages = env["crm.stage"].search([("team_id", "=", False)])
    open_stages = stages.filtered(lambda stage: not stage.is_won).ids
    won_stage = stages.filtered("is_won")[:1].id
    categories = ["pipeline", "best_case", "commit"]
    quarter_starts = [date(today.year + (today.month - 1 + 3 * step) // 12,
                           (today.month - 1 + 3 * step) % 12 + 1, 1) for step in range(-8, 4)]
    targets = {}
    for user_index, user in enumerate(users):
        team = teams[user_index % len(teams)]
        for start in quarter_starts:
            quarter = (start.month - 1) // 3 + 1
            targets[(user.id, start.year, quarter)] = (user.id, team.id, start.year, str(quarter),
                                                       date(start.year, 3 * quarter - 2, 1),
                                                       rng.randint(50, 150) * 1000, main_company.id)
    insert_rows(cr, "crm_forecast_target",
                ["user_id", "team_id", "year", "quarter", "date_start", "amount", "company_id"],
                list(targets.values()))

    now = datetime.now()
    rows = []
    for index in range(scale):
        user_index = rng.randrange(len(users))
        company = other_company.id if index % 5 == 0 else main_company.id
        won = rng.random() < 0.35
        revenue = round(rng.uniform(500, 50000), 2)
        if won:
            closed = now - timedelta(days=rng.randint(0, 730), hours=rng.randint(0, 23))
            stage, probability, deadline, category = won_stage, 100.0, closed.date(), "pipeline"
        else:
            closed = None
            stage = rng.choice(open_stages)
            probability = float(rng.choice([10, 25, 40, 50, 60, 75, 90]))
            deadline = today + timedelta(days=rng.randint(0, 365))
            category = rng.choice(categories)
        rows.append((f"{BENCH_PREFIX} {index}", "opportunity", True, stage, users[user_index].id,
                     teams[user_index % len(teams)].id, company, revenue, probability, deadline,
                     closed, category, now, now, 1))
    insert_rows(cr, "crm_lead",
                ["name", "type", "active", "stage_id", "user_id", "team_id", "company_id",
                 "expected_revenue", "probability", "date_deadline", "date_closed",
                 "crm_forecast_category", "create_date", "write_date", "priority"],
                rows)
    cr.execute("ANALYZE crm_lead")
    cr.commit()
    print(f"Inserted {scale} opportunities in {time.perf_counter() - started:.1f} s", flush=True)


def run_orm(env):
    env.invalidate_all()
    rows = env["crm.forecast.report"]._read_group(
        [], ["date:quarter", "user_id", "team_id"], [f"{name}:sum" for name in MEASURES]
    )
    return {
        (start, user.id or None, team.id or None): values
        for start, user, team, *values in rows
    }


def run_sql(env):
    env.cr.execute(HAND_WRITTEN_SQL, {
        "currency": env.company.currency_id.id,
        "company": env.company.root_id.id,
    })
    return {(start, user, team): values for start, user, team, *values in env.cr.fetchall()}


def measure(function, env, runs):
    times = []
    result = None
    for _run in range(runs):
        started = time.perf_counter()
        result = function(env)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def compare(orm_rows, sql_rows):
    """Return the number of groups whose figures differ by more than 0.01."""
    differences = 0
    for key in orm_rows.keys() | sql_rows.keys():
        left, right = orm_rows.get(key), sql_rows.get(key)
        if left is None or right is None or any(
            abs((a or 0) - (b or 0)) > 0.01 for a, b in zip(left, right, strict=True)
        ):
            differences += 1
    return differences


def main():
    args = parse_args()
    flags = odoo_flags()
    import odoo
    from odoo.tools import config

    config.parse_config([*flags, "-d", args.database, "--max-cron-threads=0", "--no-http"])
    ensure_database(args.database, flags)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        fill_database(env, args.scale, random.Random(args.seed))
        manager = env["res.users"].search([("login", "=", "bench_sales_0")])
        companies = manager.company_ids.ids
        manager_env = env(user=manager.id, context={"allowed_company_ids": companies, "tz": "UTC"})
        run_orm(manager_env)
        run_sql(manager_env)
        queries_before = cr.sql_log_count
        run_orm(manager_env)
        orm_queries = cr.sql_log_count - queries_before
        orm_time, orm_rows = measure(run_orm, manager_env, args.runs)
        sql_time, sql_rows = measure(run_sql, manager_env, args.runs)
        cr.execute("SELECT COUNT(*) FROM crm_lead WHERE active AND type = 'opportunity'")
        opportunities = cr.fetchone()[0]
        print(f"Opportunities: {opportunities}, forecast groups (quarter × salesperson × team): "
              f"{len(orm_rows)}")
        print(f"Groups whose figures differ between ORM and SQL: {compare(orm_rows, sql_rows)}")
        print(f"crm.forecast.report._read_group: {orm_time * 1000:.0f} ms (median of {args.runs}), "
              f"{orm_queries} SQL queries")
        print(f"hand-written SQL:                {sql_time * 1000:.0f} ms (median of {args.runs})")
        print(f"ratio ORM / SQL: {orm_time / sql_time:.2f}")
        cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
