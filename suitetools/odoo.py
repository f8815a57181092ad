"""Locate Odoo 18 and build the command lines that run it."""

import os
import re
import socket
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SUITE_MODULES = [
    "crm_core",
    "crm_pipeline",
    "crm_campaign",
    "crm_helpdesk",
    "crm_erp_bridge",
]

HOW_TO_PROVIDE_ODOO = """\
Odoo 18.0 was not found. Provide it in one of two ways:
  - make the `odoo` package importable by {python}, for instance by extracting
    the 18.0 source (odoo/, odoo-bin, requirements.txt) into a folder, running
    `pip install -r requirements.txt` there and adding that folder to
    sys.path with a .pth file in site-packages; or
  - set ODOO_SOURCE to the folder of an Odoo 18.0 source tree (the one that
    contains odoo-bin) whose requirements are installed for {python}.
Then check with: {python} -c "import odoo.release; print(odoo.release.version)"
"""


class OdooNotFound(SystemExit):
    pass


def locate_odoo():
    """Return (python_command, odoo_package_dir, version) for Odoo 18.

    ODOO_SOURCE, when set, wins over an importable ``odoo`` package.
    """
    source = os.environ.get("ODOO_SOURCE")
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, odoo.release; "
            "print(os.path.dirname(odoo.__file__)); print(odoo.release.version)",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if probe.returncode != 0:
        raise OdooNotFound(HOW_TO_PROVIDE_ODOO.format(python=sys.executable))
    package_dir, version = probe.stdout.split()
    if not version.startswith("18.0"):
        raise OdooNotFound(
            f"Odoo {version} was found in {package_dir}, but the suite needs 18.0.\n"
            + HOW_TO_PROVIDE_ODOO.format(python=sys.executable)
        )
    return env, package_dir, version


def addons_path(package_dir):
    paths = [os.path.join(package_dir, "addons")]
    source = os.environ.get("ODOO_SOURCE")
    if source and os.path.isdir(os.path.join(source, "addons")):
        paths.append(os.path.join(source, "addons"))
    paths.append(REPO_ROOT)
    extra = os.environ.get("CRM_SUITE_EXTRA_ADDONS")
    if extra:
        paths.extend(extra.split(","))
    return ",".join(paths)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_command(connection, package_dir, database, *extra, data_dir=None):
    """Build the argument list of ``python -m odoo`` for one database."""
    from .pg import state_dir

    command = [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={addons_path(package_dir)}",
        f"--data-dir={data_dir or os.path.join(state_dir(), 'odoo-data')}",
        f"--database={database}",
        "--db-filter=^%s$" % re.escape(database),
        *connection.odoo_args(),
        *extra,
    ]
    return command


TEST_REPORT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database"
)
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<text>.*)"
)


def summarize_odoo_log(lines):
    """Extract test totals, error lines and skipped tests from an Odoo test log.

    Returns a dict with ``run``, ``failed`` (failures and errors together),
    ``error_lines`` (ERROR or CRITICAL lines outside the test report),
    ``skipped_lines`` (tests the runner skipped) and ``report_found``.
    """
    summary = {
        "run": 0,
        "failed": 0,
        "error_lines": [],
        "skipped_lines": [],
        "report_found": False,
    }
    for line in lines:
        match = TEST_REPORT.search(line)
        if match:
            summary["report_found"] = True
            summary["run"] = int(match["run"])
            summary["failed"] = int(match["failed"]) + int(match["errors"])
            continue
        parsed = LOG_LINE.match(line)
        if not parsed:
            continue
        if parsed["level"] in ("ERROR", "CRITICAL"):
            summary["error_lines"].append(line.rstrip())
        elif parsed["level"] == "INFO" and parsed["text"].startswith("skipped "):
            summary["skipped_lines"].append(line.rstrip())
    return summary
