"""The `bench` command: run the benchmark harness of benchmarks/harness.py.

The harness imports Odoo, so it runs in its own Python process, with the same
interpreter and the Odoo found by `locate_odoo`.
"""

import os
import subprocess
import sys

from .odoo import REPO_ROOT, locate_odoo

HARNESS = os.path.join(REPO_ROOT, "benchmarks", "harness.py")
BENCHMARK_NAMES = [
    "quote_to_cash",
    "forecast",
    "customer_360",
    "first_load",
    "segment",
    "duplicates",
    "scoring",
    "sla_deadlines",
    "escalation",
    "nurture",
    "maven_import",
    "generated_import",
]


def add_arguments(parser):
    """Declare the options of the bench command (suite.py bench and the harness)."""
    parser.add_argument(
        "--scale",
        default="1000",
        help="opportunities generated, or several scales separated by commas "
        "(e.g. 1000,10000,100000); the other records scale with it (default: 1000)",
    )
    parser.add_argument(
        "--database",
        "-d",
        default="crm_suite_bench",
        help="benchmark database, dropped and filled again for each scale; the installed "
        "modules are kept in <database>_template (default: crm_suite_bench)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated benchmarks to run (default: all of %s)" % ", ".join(BENCHMARK_NAMES),
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed of the generated data (default: 42)"
    )
    parser.add_argument(
        "--http-port",
        type=int,
        default=0,
        help="port of the Odoo server of the HTTP benchmark (default: a free one)",
    )
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--markdown", help="also write the tables to this Markdown file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database when it already contains the data of this scale and seed",
    )
    parser.add_argument(
        "--reinstall",
        action="store_true",
        help="install the template database again (after a module change)",
    )


def harness_arguments(args):
    """Return the command-line arguments of the harness for the parsed ``args``."""
    argv = ["--scale", args.scale, "--database", args.database, "--seed", str(args.seed)]
    if args.only:
        argv += ["--only", args.only]
    if args.http_port:
        argv += ["--http-port", str(args.http_port)]
    for option in ("json", "markdown"):
        if getattr(args, option):
            argv += [f"--{option}", os.path.abspath(getattr(args, option))]
    for flag in ("reuse", "reinstall"):
        if getattr(args, flag):
            argv.append(f"--{flag}")
    return argv


def command_bench(args):
    env, _package_dir, _version = locate_odoo()
    command = [sys.executable, HARNESS, *harness_arguments(args)]
    return subprocess.run(command, env=env, cwd=REPO_ROOT, check=False).returncode
