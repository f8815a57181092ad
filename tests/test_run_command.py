"""`suite.py run` builds the demo database with the real pipeline and serves Odoo."""

import csv
import os
from collections import Counter
from decimal import Decimal

import pytest

from suitetools.odoo import SUITE_MODULES

# Every test that uses the served database runs on one xdist worker, which
# starts `suite.py run` once.
pytestmark = pytest.mark.xdist_group("run")


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


def test_run_serves_login_page(served_database):
    assert served_database.status == 200
    assert 'name="login"' in served_database.page
    assert f"http://localhost:{served_database.port}" in served_database.output
    assert "login: admin" in served_database.output


def test_run_imports_real_pipeline(served_database, odoo_runtime, maven_folder):
    database = served_database.database

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
    assert (
        sum(count for (name, active), (count, _) in by_stage.items() if not active)
        == stages["Lost"]
    )
    assert by_stage[("Lead", True)][0] == stages["Prospecting"]
    assert by_stage[("Qualified", True)][0] == stages["Engaging"]


def test_run_database_models_have_access_rights(served_database, odoo_runtime):
    rows = odoo_runtime.query(
        served_database.database,
        """
        SELECT m.model
          FROM ir_model m
          JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
         WHERE d.module = ANY(%s)
           -- abstract models (mixins) have no table or view, and need no rights
           AND to_regclass(replace(m.model, '.', '_')) IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM ir_model_access a WHERE a.model_id = m.id)
         ORDER BY 1
        """,
        [SUITE_MODULES],
    )
    assert rows == [], f"models of the suite without access rights: {[r[0] for r in rows]}"
