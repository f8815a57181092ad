"""The test command: lint, Odoo's own runner on a fresh database, and pytest on tests/."""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from . import pg
from .lint import run_lint
from .odoo import REPO_ROOT, free_port, locate_odoo, odoo_command, summarize_odoo_log

DEFAULT_DATA = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "maven_crm")
# How many lines of Odoo's log to show after an ERROR line (the traceback).
TRACEBACK_LINES = 60


def _stream_odoo(command, env, log_path):
    """Run Odoo, keep its whole log in ``log_path`` and echo the problems."""
    lines = []
    echo_left = 0
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for line in process.stdout:
            log_file.write(line)
            lines.append(line)
            is_log_line = line[:4].isdigit() and " " in line[:30]
            if is_log_line:
                echo_left = 0
                level_problem = any(
                    f" {lvl} " in line[:80] for lvl in ("ERROR", "CRITICAL", "WARNING")
                )
                progress = "odoo.modules.loading: " in line and "modules loaded in" in line
                if (
                    level_problem
                    or "when loading database" in line
                    or progress
                    or " skipped " in line
                ):
                    sys.stdout.write(line)
                if " ERROR " in line[:80] or " CRITICAL " in line[:80]:
                    echo_left = TRACEBACK_LINES
            elif echo_left:
                sys.stdout.write(line)
                echo_left -= 1
        process.wait()
    sys.stdout.flush()
    return process.returncode, lines


def _installed(connection, database, modules):
    conn = connection.connect(database)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)",
                [modules],
            )
            return {row[0] for row in cr.fetchall()}
    finally:
        conn.close()


def run_odoo_tests(args, connection, env, package_dir, log_dir):
    modules = [name.strip() for name in args.modules.split(",") if name.strip()]
    database = args.database
    pg.drop_database(connection, database)
    tags = args.test_tags or ",".join(f"/{name}" for name in modules)
    command = odoo_command(
        connection,
        package_dir,
        database,
        "-i",
        ",".join(modules),
        "--test-tags",
        tags,
        "--stop-after-init",
        "--http-port",
        str(free_port()),
        "--log-level=info",
        "--max-cron-threads=0",
    )
    print(
        f"== Odoo: installing {', '.join(modules)} into a fresh database {database!r} "
        f"with tests {tags}",
        flush=True,
    )
    log_path = os.path.join(log_dir, "odoo-tests.log")
    returncode, lines = _stream_odoo(command, env, log_path)
    summary = summarize_odoo_log(lines)
    problems = []
    if returncode != 0:
        problems.append(f"Odoo exited with code {returncode}")
    if not summary["report_found"]:
        problems.append("Odoo printed no test report")
    missing = (
        set(modules) - _installed(connection, database, modules)
        if pg.database_exists(connection, database)
        else set(modules)
    )
    if missing:
        problems.append(f"modules not installed: {', '.join(sorted(missing))}")
    # Failed tests log ERROR lines too, and the report counts them. ERROR lines
    # in a run whose report shows no failure come from elsewhere: a failed
    # install, a crashing hook or a broken view.
    if summary["error_lines"] and not summary["failed"]:
        problems.append(
            f"{len(summary['error_lines'])} ERROR lines in the Odoo log outside any test"
        )
    if summary["skipped_lines"]:
        problems.append(f"{len(summary['skipped_lines'])} Odoo tests skipped (see the lines above)")
    passed = summary["run"] - summary["failed"]
    failed = summary["failed"] + len(problems) + len(summary["skipped_lines"])
    for problem in problems:
        print(f"Odoo tests: {problem}", flush=True)
    print(f"== Odoo tests: {passed} passed, {failed} failed (full log: {log_path})", flush=True)
    return passed, failed


def start_suite_tests(args, connection, env, log_dir, workers, background):
    """Start pytest on tests/; return (process, junit path, output path or None).

    In the background its output goes to a file, printed once it ends, so it
    does not interleave with Odoo's log.
    """
    junit = os.path.join(log_dir, "pytest.xml")
    command = [
        sys.executable,
        "-m",
        "pytest",
        os.path.join(REPO_ROOT, "tests"),
        "-p",
        "no:cacheprovider",
        "-rfEs",
        f"--junitxml={junit}",
        "-n",
        str(workers),
        "--dist",
        "loadgroup",
        *args.pytest_args.split(),
    ]
    test_env = {**env, **connection.libpq_env()}
    test_env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, env.get("PYTHONPATH")]))
    output_path = os.path.join(log_dir, "pytest.log") if background else None
    if background:
        print(
            f"== Suite tests (pytest tests/) started beside the Odoo tests; log: {output_path}",
            flush=True,
        )
        with open(output_path, "w") as output:
            process = subprocess.Popen(
                command, env=test_env, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT
            )
    else:
        print("== Suite tests (pytest tests/)", flush=True)
        process = subprocess.Popen(command, env=test_env, cwd=REPO_ROOT)
    return process, junit, output_path


def finish_suite_tests(process, junit, output_path):
    returncode = process.wait()
    if output_path:
        print("== Suite tests output", flush=True)
        with open(output_path) as output:
            sys.stdout.write(output.read())
    if not os.path.exists(junit):
        print(f"pytest wrote no report (exit code {returncode})", flush=True)
        return 0, 1
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failures = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    passed = total - failures - skipped
    failed = failures + skipped  # a skipped suite test hides a missing part: count it
    if returncode not in (0, 1) and not failures:
        failed += 1
        print(f"pytest exited with code {returncode}", flush=True)
    print(f"== Suite tests: {passed} passed, {failed} failed", flush=True)
    return passed, failed


def run_tests(args):
    env, package_dir, version = locate_odoo()
    connection = pg.ensure_server()
    data = args.data or os.environ.get("CRM_SUITE_DATA") or DEFAULT_DATA
    env["CRM_SUITE_DATA"] = os.path.abspath(data)
    log_dir = os.path.join(pg.state_dir(), "logs")
    os.makedirs(log_dir, exist_ok=True)
    log_dir = tempfile.mkdtemp(prefix="test-", dir=log_dir)
    env = {**env, **connection.libpq_env()}
    print(f"Odoo {version} from {package_dir}; test data from {env['CRM_SUITE_DATA']}", flush=True)

    results = []
    if args.only in (None, "lint"):
        results.append(run_lint())
    # The Odoo phase keeps about one core busy, so the suite tests run beside
    # it on one pytest worker; alone they get two.
    suite_run = None
    if args.only in (None, "suite"):
        background = args.only is None
        workers = os.environ.get("CRM_SUITE_PYTEST_WORKERS", "1" if background else "2")
        suite_run = start_suite_tests(args, connection, env, log_dir, workers, background)
    if args.only in (None, "odoo"):
        results.append(run_odoo_tests(args, connection, env, package_dir, log_dir))
    if suite_run:
        results.append(finish_suite_tests(*suite_run))
    passed = sum(result[0] for result in results)
    failed = sum(result[1] for result in results)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1
