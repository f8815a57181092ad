"""Fixtures of the suite-level tests: a real PostgreSQL server and a real Odoo 18."""

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import pytest

from suitetools import pg
from suitetools.odoo import REPO_ROOT, free_port, locate_odoo, odoo_command, summarize_odoo_log

# Long enough for the largest install (all five modules with demo data) on a
# loaded 2-core machine. A hang beyond it fails the test instead of the CI run.
INSTALL_TIMEOUT = 1200
RUN_START_TIMEOUT = 1500


@dataclass
class ServedDatabase:
    database: str
    port: int
    status: int
    page: str
    output: str


@dataclass
class OdooRuntime:
    env: dict
    package_dir: str
    version: str
    connection: pg.Connection

    def command(self, database, *extra, data_dir=None):
        return odoo_command(self.connection, self.package_dir, database, *extra, data_dir=data_dir)

    def install(self, database, modules, demo=True, addons_path=None, extra=()):
        """Install ``modules`` into a new ``database``; return the Odoo log lines.

        Fails the test when Odoo exits with an error or logs an ERROR line.
        """
        pg.drop_database(self.connection, database)
        args = [
            "-i",
            ",".join(modules),
            "--stop-after-init",
            "--http-port",
            str(free_port()),
            "--max-cron-threads=0",
            "--log-level=warn",
            *extra,
        ]
        if not demo:
            args.append("--without-demo=all")
        command = self.command(database, *args)
        if addons_path:
            index = next(i for i, arg in enumerate(command) if arg.startswith("--addons-path="))
            command[index] += "," + addons_path
        result = subprocess.run(
            command,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        lines = (result.stdout + result.stderr).splitlines()
        errors = summarize_odoo_log(lines)["error_lines"]
        assert result.returncode == 0, f"Odoo exited with {result.returncode}:\n" + "\n".join(
            lines[-60:]
        )
        assert not errors, "Odoo logged errors:\n" + "\n".join(errors[:20])
        return lines

    def installed_modules(self, database):
        conn = self.connection.connect(database)
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
                return {row[0] for row in cr.fetchall()}
        finally:
            conn.close()

    def query(self, database, sql, params=None):
        conn = self.connection.connect(database)
        try:
            with conn.cursor() as cr:
                cr.execute(sql, params or [])
                return cr.fetchall()
        finally:
            conn.close()

    def drop(self, database):
        pg.drop_database(self.connection, database)


@pytest.fixture(scope="session")
def odoo_runtime():
    env, package_dir, version = locate_odoo()
    connection = pg.ensure_server()
    return OdooRuntime({**env, **connection.libpq_env()}, package_dir, version, connection)


@pytest.fixture(scope="session")
def maven_folder():
    from suitetools.cli import maven_folder as default_folder

    folder = default_folder()
    assert os.path.isfile(os.path.join(folder, "sales_pipeline.csv")), (
        f"The Maven CRM data set is missing: no sales_pipeline.csv in {folder}. "
        "Set CRM_SUITE_DATA to the folder that holds it."
    )
    return folder


@pytest.fixture(scope="session")
def python():
    return sys.executable


@pytest.fixture(scope="session")
def db_suffix():
    """Suffix that keeps database names apart between pytest-xdist workers."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def reliability_database(odoo_runtime, db_suffix):
    """crm_core and crm_helpdesk installed once, without demo data, for the reliability tests.

    The process id keeps two pytest runs on one machine from dropping each other's database.
    """
    from suitetools.reliability import drop_database

    database = f"rel_{db_suffix}_{os.getpid()}"
    odoo_runtime.install(database, ["crm_core", "crm_helpdesk"], demo=False)
    yield database
    drop_database(odoo_runtime, database)


@pytest.fixture(scope="session")
def suite_database(odoo_runtime, db_suffix):
    """All five modules installed once, without demo data, for tests that need every module.

    Tests that change the database beyond their own records work on a copy
    (``CREATE DATABASE ... TEMPLATE``), so that the others find it as installed.
    """
    from suitetools.reliability import drop_database

    database = f"suite_{db_suffix}_{os.getpid()}"
    odoo_runtime.install(
        database,
        ["crm_core", "crm_pipeline", "crm_campaign", "crm_helpdesk", "crm_erp_bridge"],
        demo=False,
    )
    yield database
    drop_database(odoo_runtime, database)


@pytest.fixture(scope="session")
def served_database(odoo_runtime, db_suffix, maven_folder, python):
    """Start `suite.py run` on a new database and wait for its login page.

    The first run installs five modules and imports 8,800 rows before it
    serves, hence the long wait.
    """
    database = f"suite_run_{db_suffix}_{os.getpid()}"
    odoo_runtime.drop(database)
    port = free_port()
    log_path = os.path.join(REPO_ROOT, ".suite", f"run-{database}.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                python,
                os.path.join(REPO_ROOT, "suite.py"),
                "run",
                "--database",
                database,
                "--port",
                str(port),
                "--data",
                maven_folder,
            ],
            env=odoo_runtime.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        status, page = wait_for_login_page(port, process, log_path, RUN_START_TIMEOUT)
        with open(log_path) as log:
            output = log.read()
        yield ServedDatabase(database, port, status, page, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        odoo_runtime.drop(database)


def wait_for_login_page(port, process, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path) as log:
                pytest.fail(f"suite.py run exited with {process.returncode}:\n{log.read()[-4000:]}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/web/login", timeout=10
            ) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(2)
    with open(log_path) as log:
        pytest.fail(f"no login page on port {port} after the install:\n{log.read()[-4000:]}")
