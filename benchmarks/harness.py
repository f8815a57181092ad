#!/usr/bin/env python3
"""Benchmark harness of the CRM suite: one generated database, every benchmark, one table.

    python3 suite.py bench --scale 1000,10000 --database crm_bench
    python3 benchmarks/harness.py --scale 1000 --database crm_bench --only forecast,segment

For each scale the harness copies a database with the five modules installed
(without demo data; installed once into ``<database>_template`` and kept), fills
it with the generated data set of benchmarks/common.py (fixed seed), runs the
benchmarks and prints one table: time (median where repeated), SQL queries,
peak resident memory of the process, the baseline measured in the same run and
the ratio to it. A baseline is native Odoo doing the same job, a hand-written
SQL query computing the same figures, or the target set for the benchmark
where neither exists. With several scales a second table gives the growth factor of time and
queries from one scale to the next. ``--json`` writes every figure, including
the correctness checks, to a file.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field

import bench_crm_campaign
import bench_crm_core
import bench_crm_erp_bridge
import bench_crm_helpdesk
import bench_crm_pipeline
import bench_import
from common import Generator, install_database, odoo_flags

from suitetools.bench import BENCHMARK_NAMES, add_arguments
from suitetools.odoo import free_port

BENCHMARKS = {}
for _module in (
    bench_crm_erp_bridge,
    bench_crm_pipeline,
    bench_crm_core,
    bench_crm_campaign,
    bench_crm_helpdesk,
    bench_import,
):
    BENCHMARKS.update(_module.BENCHMARKS)
# Run order: read-only benchmarks first, then those that write (scores,
# duplicate pairs, escalations, nurture steps), then the rolled-back imports.
ORDER = BENCHMARK_NAMES
TEMPLATE_MARKER = "crm_suite.bench_template"
DATA_PARAMETER = "crm_suite.bench_data"


@dataclass
class Context:
    env: object
    cr: object
    database: str
    flags: list
    scale: int
    seed: int
    http_port: int
    data: dict = field(default_factory=dict)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="suite.py bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        args.scales = [int(value) for value in args.scale.split(",")]
    except ValueError:
        parser.error(f"--scale takes whole numbers separated by commas, not {args.scale!r}")
    if any(scale < 100 for scale in args.scales):
        parser.error("--scale must be at least 100 opportunities")
    args.names = (
        [name.strip() for name in args.only.split(",") if name.strip()] if args.only else ORDER
    )
    unknown = sorted(set(args.names) - set(ORDER))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(ORDER)}")
    return args


# ----------------------------------------------------------------------
# Databases
# ----------------------------------------------------------------------


def _read_parameter(database, key):
    import odoo.sql_db

    if not _exists(database):
        return None
    connection = odoo.sql_db.db_connect(database)
    with connection.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_config_parameter')")
        if cr.fetchone()[0] is None:
            return None
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
        row = cr.fetchone()
    odoo.sql_db.close_db(database)
    return row[0] if row else None


def _exists(database):
    import odoo.service.db

    return odoo.service.db.exp_db_exist(database)


def _drop(database):
    import odoo.service.db

    if _exists(database):
        odoo.service.db.exp_drop(database)


def prepare_template(template, flags, reinstall):
    """Install the five modules into ``template`` unless a finished install is there."""
    import odoo.sql_db

    if not reinstall and _read_parameter(template, TEMPLATE_MARKER) == "1":
        return
    _drop(template)
    install_database(template, flags)
    connection = odoo.sql_db.db_connect(template)
    with connection.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_config_parameter (key, value, create_date, write_date)"
            " VALUES (%s, '1', now() at time zone 'UTC', now() at time zone 'UTC')",
            [TEMPLATE_MARKER],
        )
        cr.commit()
    odoo.sql_db.close_db(template)


def prepare_database(args, scale, flags):
    """Return the generated data summary of ``args.database`` filled for ``scale``."""
    import odoo

    database = args.database
    if args.reuse:
        stored = _read_parameter(database, DATA_PARAMETER)
        if stored:
            data = json.loads(stored)
            if data["scale"] == scale and data["seed"] == args.seed:
                print(f"Reusing {database} (scale {scale}, seed {args.seed})", flush=True)
                return data
    template = f"{database}_template"
    prepare_template(template, flags, args.reinstall)
    _drop(database)
    odoo.service.db.exp_duplicate_database(template, database)
    print(f"Generating scale {scale:,} (seed {args.seed}) in {database}:", flush=True)
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        data = Generator(env, scale, args.seed).run()
        env["ir.config_parameter"].set_param(DATA_PARAMETER, json.dumps(data))
        cr.commit()
    print(f"Generated in {data['fill_seconds']:.0f} s", flush=True)
    return data


# ----------------------------------------------------------------------
# Running and reporting
# ----------------------------------------------------------------------


def run_scale(args, scale, flags):
    import odoo

    data = prepare_database(args, scale, flags)
    registry = odoo.modules.registry.Registry(args.database)
    results = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tz": "UTC"})
        ctx = Context(
            env, cr, args.database, flags, scale, args.seed, args.http_port or free_port(), data
        )
        for name in ORDER:
            if name not in args.names:
                continue
            started = time.perf_counter()
            rows = BENCHMARKS[name](ctx)
            cr.commit()
            env.invalidate_all()
            for index, row in enumerate(rows):
                row.key = f"{name}:{index}"
                results.append(row)
                print(
                    f"  {row.name:<58} {row.seconds:9.3f} s {row.queries or 0:8d} queries",
                    flush=True,
                )
            print(f"  ({name} done in {time.perf_counter() - started:.0f} s)", flush=True)
    return data, results


def _seconds(value):
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def result_table(scale, results):
    lines = [
        f"Scale {scale:,}",
        "",
        "| Benchmark | Time | SQL queries | Peak memory | Baseline | Baseline time | Ratio |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in results:
        cells = [
            row.name,
            _seconds(row.seconds),
            "—" if row.queries is None else f"{row.queries:,}",
            "—" if row.peak_mb is None else f"{row.peak_mb:,.0f} MB",
            row.baseline or "—",
            _seconds(row.baseline_seconds),
            "—" if row.ratio is None else f"{row.ratio:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def growth_table(runs):
    scales = [scale for scale, _data, _results in runs]
    by_key = [{row.key: row for row in results} for _scale, _data, results in runs]
    header = (
        "| Benchmark | "
        + " | ".join(
            f"time {scales[i + 1]:,} / {scales[i]:,} | queries {scales[i + 1]:,} / {scales[i]:,}"
            for i in range(len(scales) - 1)
        )
        + " |"
    )
    lines = [
        f"Growth between scales {', '.join(f'{scale:,}' for scale in scales)}",
        "",
        header,
        "|---|" + "---:|---:|" * (len(scales) - 1),
    ]
    for key, last in by_key[-1].items():
        cells = []
        for i in range(len(scales) - 1):
            before, after = by_key[i].get(key), by_key[i + 1].get(key)
            if not before or not after:
                cells += ["—", "—"]
                continue
            cells.append(f"{after.seconds / before.seconds:.1f}" if before.seconds else "—")
            cells.append(f"{after.queries / before.queries:.1f}" if before.queries else "—")
        lines.append(f"| {last.name} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None):
    args = parse_args(argv)
    flags = odoo_flags()
    import odoo
    from odoo.tools import config

    config.parse_config([*flags, "--max-cron-threads=0", "--no-http", "--log-level=warn"])
    runs = []
    for scale in args.scales:
        data, results = run_scale(args, scale, flags)
        runs.append((scale, data, results))
    odoo.sql_db.close_all()

    lines = []
    for scale, _data, results in runs:
        lines += result_table(scale, results) + [""]
    if len(runs) > 1:
        lines += growth_table(runs) + [""]
    print("\n" + "\n".join(lines), flush=True)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                [
                    {
                        "scale": scale,
                        "data": data,
                        "results": {row.key: row.as_dict() for row in results},
                    }
                    for scale, data, results in runs
                ],
                handle,
                indent=1,
                default=str,
            )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
