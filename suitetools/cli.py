"""Command line of suite.py."""

import argparse
import os
import subprocess
import sys

from . import pg
from .bench import add_arguments as add_bench_arguments
from .bench import command_bench
from .lint import run_lint
from .odoo import REPO_ROOT, SUITE_MODULES, free_port, locate_odoo, odoo_command
from .screenshots import run_screenshots
from .testing import run_tests

DEFAULT_DATA = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "maven_crm")
READY_PARAMETER = "crm_suite.database_ready"


def maven_folder(explicit=None):
    """Return the Maven CRM folder: the argument, CRM_SUITE_DATA, or ../shared."""
    return explicit or os.environ.get("CRM_SUITE_DATA") or DEFAULT_DATA


def _installed_modules(connection, database):
    conn = connection.connect(database)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)",
                [SUITE_MODULES],
            )
            return {row[0] for row in cr.fetchall()}
    finally:
        conn.close()


def _database_ready(connection, database):
    if not pg.database_exists(connection, database):
        return False
    conn = connection.connect(database)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_config_parameter')")
            if cr.fetchone()[0] is None:
                return False
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [READY_PARAMETER])
            row = cr.fetchone()
            return bool(row and row[0] == "1")
    finally:
        conn.close()


def command_run(args):
    """Create the demo database once, then serve Odoo on the given port."""
    connection = pg.ensure_server()
    env, package_dir, version = locate_odoo()
    database = args.database
    if args.reset and pg.database_exists(connection, database):
        pg.drop_database(connection, database)

    if not _database_ready(connection, database):
        print(
            f"Installing the suite into database {database!r} (Odoo {version}); "
            "this takes a few minutes the first time.",
            flush=True,
        )
        install = odoo_command(
            connection,
            package_dir,
            database,
            "-i",
            ",".join(SUITE_MODULES),
            "--stop-after-init",
            "--log-level=warn",
            "--http-port",
            str(free_port()),
        )
        subprocess.run(install, env=env, check=True)
        missing = set(SUITE_MODULES) - _installed_modules(connection, database)
        if missing:
            raise SystemExit(f"Installation failed: modules not installed: {sorted(missing)}")

        folder = maven_folder(args.data)
        if os.path.isfile(os.path.join(folder, "sales_pipeline.csv")):
            print(f"Importing the Maven pipeline from {folder}", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "suitetools.maven_import",
                    "--database",
                    database,
                    "--folder",
                    folder,
                ],
                env={
                    **env,
                    **connection.libpq_env(),
                    "PYTHONPATH": REPO_ROOT + os.pathsep + env.get("PYTHONPATH", ""),
                },
                cwd=REPO_ROOT,
                check=True,
            )
        else:
            print(
                f"No Maven pipeline found at {folder}: the database keeps demo data only. "
                "Pass --data FOLDER to import it.",
                flush=True,
            )
        conn = connection.connect(database)
        with conn, conn.cursor() as cr:
            cr.execute(
                "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
                "VALUES (%s, '1', now() at time zone 'UTC', now() at time zone 'UTC') "
                "ON CONFLICT (key) DO UPDATE SET value = '1'",
                [READY_PARAMETER],
            )
        conn.close()

    print(
        f"\nOdoo is starting on http://localhost:{args.port}  (login: admin, password: admin, "
        f"database: {database})\n",
        flush=True,
    )
    serve = odoo_command(
        connection,
        package_dir,
        database,
        "--http-port",
        str(args.port),
        "--http-interface",
        args.interface,
    )
    if args.dry_run:
        print(" ".join(serve))
        return 0
    os.execve(serve[0], serve, env)
    return 0


def command_test(args):
    return run_tests(args)


def command_screenshots(args):
    return run_screenshots(args)


def command_lint(args):
    passed, failed = run_lint()
    return 0 if failed == 0 else 1


def command_pg(args):
    if args.action == "stop":
        pg.stop_private_cluster()
        return 0
    connection = pg.ensure_server()
    print(" ".join(connection.odoo_args()) or "libpq defaults")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="suite.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="serve Odoo with the suite, demo data and the Maven pipeline"
    )
    run.add_argument(
        "--database", "-d", default="crm_suite", help="database name (default: crm_suite)"
    )
    run.add_argument("--port", type=int, default=8069, help="HTTP port (default: 8069)")
    run.add_argument(
        "--interface", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    run.add_argument(
        "--data",
        help="folder with the Maven CRM CSV files "
        "(default: CRM_SUITE_DATA or ../shared/data/maven_crm)",
    )
    run.add_argument("--reset", action="store_true", help="drop the database and create it again")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="prepare the database, print the server command and exit",
    )
    run.set_defaults(func=command_run)

    test = commands.add_parser("test", help="run every test on a fresh database")
    test.add_argument(
        "--database",
        "-d",
        default="crm_suite_test",
        help="test database, dropped and created again (default: crm_suite_test)",
    )
    test.add_argument(
        "--only",
        choices=["lint", "odoo", "suite"],
        help="run only the lint checks, the in-module Odoo tests or the suite tests in tests/",
    )
    test.add_argument(
        "--modules",
        default=",".join(SUITE_MODULES),
        help="comma-separated suite modules to install and test (default: all five)",
    )
    test.add_argument(
        "--test-tags",
        default="",
        help="Odoo --test-tags value (default: every test of the selected modules)",
    )
    test.add_argument(
        "--pytest-args", default="", help="extra arguments for pytest, e.g. '-k compose'"
    )
    test.add_argument("--data", help="folder with the Maven CRM CSV files")
    test.set_defaults(func=command_test)

    lint = commands.add_parser("lint", help="run ruff, pylint-odoo and the XML and manifest check")
    lint.set_defaults(func=command_lint)

    bench = commands.add_parser(
        "bench", help="generate data at one or more scales and run every benchmark"
    )
    add_bench_arguments(bench)
    bench.set_defaults(func=command_bench)

    shots = commands.add_parser(
        "screenshots",
        help="run the screenshot tests on a fresh database and copy the PNGs to "
        "<module>/static/description/",
    )
    shots.add_argument(
        "--database",
        "-d",
        default="crm_suite_screenshots",
        help="database, dropped and created again (default: crm_suite_screenshots)",
    )
    shots.add_argument(
        "--modules",
        default=",".join(SUITE_MODULES),
        help="comma-separated suite modules (default: all five)",
    )
    shots.add_argument("--english-only", action="store_true", help="skip the German screenshots")
    shots.add_argument("--http-port", type=int, help="HTTP port of the test server")
    shots.add_argument("--keep", action="store_true", help="keep the database and the raw PNGs")
    shots.set_defaults(func=command_screenshots)

    pg_parser = commands.add_parser("pg", help="start or stop the private PostgreSQL cluster")
    pg_parser.add_argument("action", choices=["start", "stop"])
    pg_parser.set_defaults(func=command_pg)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)
