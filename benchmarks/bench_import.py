#!/usr/bin/env python3
"""Benchmark of the crm_pipeline importer on the full Maven CRM pipeline (8,800 rows).

    python3 benchmarks/bench_import.py --database imp_bench

The database is created with crm_pipeline (without demo data) when it does not
exist. The script then imports the Maven folder twice in one transaction and
prints, for each run, the wall time, the SQL query count and the importer's
counts: the first run creates the opportunities, the second one finds them all
unchanged. It also compares the opportunities per stage and the won revenue
with the CSV file. The transaction is rolled back unless ``--commit`` is given,
so the database stays as it was and the first run always measures creation.

This is a measurement, not a test: only the comparison with the CSV can fail.
"""

import argparse
import csv
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from common import odoo_flags

REPO = Path(__file__).resolve().parent.parent

# Maven deal stage -> (crm_pipeline stage xml id, active) of the opportunity.
EXPECTED_STAGE = {
    "Prospecting": ("crm_pipeline.stage_lead", True),
    "Engaging": ("crm_pipeline.stage_qualified", True),
    "Won": ("crm_pipeline.stage_won", True),
    "Lost": (None, False),
}


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True,
                        help="database to create or reuse (use your prefix)")
    parser.add_argument("--folder", default=os.environ.get(
        "CRM_SUITE_DATA", str(REPO.parent / "shared" / "data" / "maven_crm")),
        help="folder of the Maven CSV files (default: CRM_SUITE_DATA or ../shared)")
    parser.add_argument("--addons-path", default=str(REPO),
                        help="folder holding crm_core and crm_pipeline (default: this repository)")
    parser.add_argument("--commit", action="store_true",
                        help="keep the imported records instead of rolling back")
    return parser.parse_args()


def import_flags(addons_path):
    """Return the suite's Odoo flags with ``addons_path`` in place of this repository."""
    flags = []
    for flag in odoo_flags():
        if flag.startswith("--addons-path="):
            paths = [
                addons_path if Path(path).resolve() == REPO else path
                for path in flag.split("=", 1)[1].split(",")
            ]
            flag = "--addons-path=" + ",".join(paths)
        flags.append(flag)
    return flags


def ensure_database(database, flags):
    """Create the database with crm_pipeline installed unless it already exists."""
    import odoo.service.db

    if odoo.service.db.exp_db_exist(database):
        return
    print(f"Creating database {database} with crm_pipeline (a few minutes)...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", *flags, "-d", database,
         "-i", "crm_pipeline", "--without-demo=all", "--stop-after-init",
         "--max-cron-threads=0", "--no-http"],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )


def expected_figures(folder):
    with open(os.path.join(folder, "sales_pipeline.csv"), encoding="utf-8-sig") as csv_file:
        rows = list(csv.DictReader(csv_file))
    per_stage = Counter(row["deal_stage"] for row in rows)
    won_revenue = sum(float(row["close_value"]) for row in rows if row["deal_stage"] == "Won")
    return len(rows), per_stage, won_revenue


def measure(env, folder, label):
    queries_before = env.cr.sql_log_count
    started = time.perf_counter()
    result = env["crm.pipeline.import"]._import_maven_folder(folder)
    env.flush_all()
    elapsed = time.perf_counter() - started
    summary = result._get_summary()
    print(f"{label}: {elapsed:.1f} s, {env.cr.sql_log_count - queries_before} queries, "
          f"{summary['created']} created, {summary['updated']} updated, "
          f"{summary['unchanged']} unchanged, {summary['fixed']} fixed, "
          f"{summary['rejected']} rejected", flush=True)
    return elapsed


def check_figures(env, folder):
    total, per_stage, won_revenue = expected_figures(folder)
    Lead = env["crm.lead"].with_context(active_test=False)
    domain = [("crm_import_ref", "!=", False), ("company_id", "=", env.company.id)]
    mismatches = []
    for maven_stage, (xmlid, active) in EXPECTED_STAGE.items():
        stage_domain = [("active", "=", active)]
        if xmlid:
            stage_domain.append(("stage_id", "=", env.ref(xmlid).id))
        count = Lead.search_count(domain + stage_domain)
        print(f"  {maven_stage:<12} CSV {per_stage[maven_stage]:>5}  Odoo {count:>5}")
        if count != per_stage[maven_stage]:
            mismatches.append(maven_stage)
    won = Lead._read_group(
        domain + [("active", "=", True), ("stage_id.is_won", "=", True)],
        [], ["expected_revenue:sum"])[0][0]
    print(f"  Won revenue  CSV {won_revenue:,.0f}  Odoo {won:,.0f}")
    if round(won, 2) != round(won_revenue, 2):
        mismatches.append("won revenue")
    if Lead.search_count(domain) != total:
        mismatches.append("total")
    return mismatches


def main():
    args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api

    flags = import_flags(args.addons_path)
    odoo.tools.config.parse_config(flags)
    ensure_database(args.database, flags)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        first = measure(env, args.folder, "First import")
        mismatches = check_figures(env, args.folder)
        measure(env, args.folder, "Re-import")
        if args.commit:
            cr.commit()
        else:
            cr.rollback()
    print(f"Full import: {first:.1f} s for the 8,800 rows (target: under 60 s)")
    if mismatches:
        print(f"Mismatch with the CSV: {', '.join(mismatches)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
