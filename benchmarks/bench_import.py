#!/usr/bin/env python3
"""Benchmarks of the crm_pipeline importer: the Maven pipeline and a generated file.

    python3 benchmarks/bench_import.py --database NAME --scale 10000

runs these benchmarks alone through the harness (see harness.py):

* the Maven CRM folder (8,800 opportunities with its accounts, products and
  teams), against the target of 60 s;
* a generated file in the Maven format with ``--scale`` opportunities (same
  stage shares, agents, products and accounts), against the target of
  100,000 rows in 10 minutes (167 rows/s).

Each import runs in a savepoint that is rolled back, so the benchmark
database keeps its data and every run measures creation.
"""

import csv
import os
import random
import shutil
import sys
import tempfile
from datetime import date, timedelta

from common import Result, maven_folder, maven_shape, measure

PIPELINE_FILE = "sales_pipeline.csv"
OTHER_FILES = ["accounts.csv", "products.csv", "sales_teams.csv"]
# Target of the issue: 100,000 generated rows in under 10 minutes.
TARGET_ROWS_PER_SECOND = 100000 / 600.0
MAVEN_TARGET_SECONDS = 60.0


def write_generated_folder(rows, seed):
    """Write a Maven-format folder with ``rows`` generated opportunities; return its path."""
    rng = random.Random(seed)
    shape = maven_shape()
    folder = tempfile.mkdtemp(prefix="crm-bench-import-")
    for name in OTHER_FILES:
        shutil.copy(os.path.join(maven_folder(), name), folder)
    stages = sorted(shape["stage_shares"])
    weights = [shape["stage_shares"][stage] for stage in stages]
    products = sorted(shape["products"])
    start = date(2024, 1, 1)
    with open(os.path.join(folder, PIPELINE_FILE), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "opportunity_id",
                "sales_agent",
                "product",
                "account",
                "deal_stage",
                "engage_date",
                "close_date",
                "close_value",
            ]
        )
        for index in range(rows):
            stage = rng.choices(stages, weights)[0]
            engaged = start + timedelta(days=rng.randrange(500))
            closed = engaged + timedelta(days=rng.randrange(1, 120))
            product = rng.choice(products)
            writer.writerow(
                [
                    f"GEN{index:08d}",
                    rng.choice(shape["agents"])[0],
                    product,
                    rng.choice(shape["accounts"]) if stage != "Prospecting" else "",
                    stage,
                    engaged.isoformat() if stage != "Prospecting" else "",
                    closed.isoformat() if stage in ("Won", "Lost") else "",
                    rng.choice(shape["won_values"])
                    if stage == "Won"
                    else (0 if stage == "Lost" else ""),
                ]
            )
    return folder


def _import(env, folder):
    cr = env.cr
    cr.execute("SAVEPOINT bench_import")

    def run():
        result = env["crm.pipeline.import"]._import_maven_folder(folder)
        env.flush_all()
        return result._get_summary()

    measurement = measure(run)
    cr.execute("ROLLBACK TO SAVEPOINT bench_import")
    env.invalidate_all()
    return measurement


def bench_maven_import(ctx):
    run = _import(ctx.env, maven_folder())
    summary = run.result
    rows = sum(summary[key] for key in ("created", "updated", "unchanged", "rejected"))
    return [
        Result(
            "Maven import, 8,800 rows",
            run.seconds,
            run.queries,
            run.peak_mb,
            "target 60 s",
            MAVEN_TARGET_SECONDS,
            {
                "rows": rows,
                "created": summary["created"],
                "rejected": summary["rejected"],
                "rows_per_second": round(rows / run.seconds, 1),
            },
        )
    ]


def bench_generated_import(ctx):
    rows = ctx.scale
    folder = write_generated_folder(rows, ctx.seed)
    try:
        run = _import(ctx.env, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary = run.result
    return [
        Result(
            f"Generated file import, {rows:,} rows",
            run.seconds,
            run.queries,
            run.peak_mb,
            "target 167 rows/s",
            rows / TARGET_ROWS_PER_SECOND,
            {
                "rows": rows,
                "created": summary["created"],
                "rejected": summary["rejected"],
                "rows_per_second": round(rows / run.seconds, 1),
            },
        )
    ]


BENCHMARKS = {
    "maven_import": bench_maven_import,
    "generated_import": bench_generated_import,
}

if __name__ == "__main__":
    from harness import main

    sys.exit(main(["--only", ",".join(BENCHMARKS), *sys.argv[1:]]))
