"""`suite.py run` builds the demo database with the real pipeline and serves Odoo."""

import csv
import os
import subprocess
import time
import urllib.request
from collections import Counter
from decimal import Decimal

import pytest

from suitetools.odoo import REPO_ROOT, free_port

SERVER_START_TIMEOUT = 120


def csv_figures(folder):
    """Count deals per Maven stage and add up the won close values, as a user would by hand."""
    stages = Counter()
    won_revenue = Decimal(0)
    with open(os.path.join(folder, "sales_pipeline.csv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stages[row["deal_stage"]] += 1
            if row["deal_stage"] == "Won":
                won_revenue += Decimal(row["close_value"])
    return stages, won_revenue


@pytest.fixture(scope="module")
def served_database(odoo_runtime, db_suffix, maven_folder, python):
    database = f"suite_run_{db_suffix}"
    odoo_runtime.drop(database)
    port = free_port()
    log_path = os.path.join(REPO_ROOT, ".suite", f"run-{database}.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [python, os.path.join(REPO_ROOT, "suite.py"), "run", "--database", database,
             "--port", str(port), "--data", maven_folder],
            env=odoo_runtime.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
        )
    try:
        yield database, port, process, log_path
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
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=10) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(2)
    with open(log_path) as log:
        pytest.fail(f"no login page on port {port} after the install:\n{log.read()[-4000:]}")


def test_run_serves_login_page_and_real_pipeline(served_database, odoo_runtime, maven_folder):
    database, port, process, log_path = served_database
    # The first run installs five modules and imports 8,800 rows before serving.
    status, page = wait_for_login_page(port, process, log_path, timeout=1500)
    assert status == 200
    assert 'name="login"' in page

    with open(log_path) as log:
        output = log.read()
    assert f"http://localhost:{port}" in output
    assert "login: admin" in output

    stages, won_revenue = csv_figures(maven_folder)
    rows = odoo_runtime.query(
        database,
        """
        SELECT s.name->>'en_US', l.active, count(*), sum(l.expected_revenue)
          FROM crm_lead l
          JOIN crm_stage s ON s.id = l.stage_id
         WHERE l.crm_import_ref IS NOT NULL
         GROUP BY 1, 2
        """,
    )
    by_stage = {(name, active): (count, amount) for name, active, count, amount in rows}
    assert by_stage[("Won", True)][0] == stages["Won"] == 4238
    assert Decimal(str(by_stage[("Won", True)][1])) == won_revenue == Decimal(10005534)
    assert sum(count for (name, active), (count, _) in by_stage.items() if not active) == stages["Lost"]
    assert by_stage[("Lead", True)][0] == stages["Prospecting"]
    assert by_stage[("Qualified", True)][0] == stages["Engaging"]
