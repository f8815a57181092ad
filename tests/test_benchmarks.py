"""The benchmark harness runs end to end at its smallest scale and its figures are right.

`suite.py bench --scale 200` installs the five modules, generates the data set
with the fixed seed and runs every benchmark once. The test checks what the
generated data determines: counts, totals, the duplicates planted and the rows
imported. It also checks that each baseline gives a positive ratio, and that
the 360° view reads a customer with 10,000 related documents in as many
queries as one with 10. It never checks a time.
"""

import json
import os
import subprocess
import sys

import pytest

from suitetools.odoo import REPO_ROOT, free_port

SCALE = 200
# Install, generation and every benchmark on a loaded 2-core machine.
HARNESS_TIMEOUT = 1800


@pytest.fixture(scope="module")
def bench_run(odoo_runtime, db_suffix, maven_folder, tmp_path_factory):
    """Run the harness once; yield (figures of the run, harness output)."""
    database = os.environ.get("CRM_SUITE_BENCH_DATABASE") or f"bench_{db_suffix}_{os.getpid()}"
    port = int(os.environ.get("CRM_SUITE_BENCH_PORT") or free_port())
    report = tmp_path_factory.mktemp("bench") / "figures.json"
    command = [
        sys.executable,
        os.path.join(REPO_ROOT, "suite.py"),
        "bench",
        "--scale",
        str(SCALE),
        "--database",
        database,
        "--http-port",
        str(port),
        "--json",
        str(report),
    ]
    try:
        completed = subprocess.run(
            command,
            env={**odoo_runtime.env, "CRM_SUITE_DATA": maven_folder},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=HARNESS_TIMEOUT,
            check=False,
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, "The harness failed:\n" + output[-6000:]
        [run] = json.loads(report.read_text())
        yield run, output
    finally:
        odoo_runtime.drop(database)
        odoo_runtime.drop(f"{database}_template")


def test_generated_data_follows_the_scale(bench_run):
    run, _output = bench_run
    data = run["data"]
    assert run["scale"] == SCALE
    assert sum(data["opportunities"].values()) == SCALE
    assert set(data["opportunities"]) == {"Prospecting", "Engaging", "Won", "Lost"}
    assert data["partners"] == {"companies": 20, "duplicates": 8, "contacts": 50}
    assert data["duplicate_pairs"] == {"email": 2, "phone": 2, "vat": 2, "name": 2}
    assert data["agents"] == 35
    assert data["teams"] == 3
    assert data["tickets"]["total"] == 20
    assert data["sla_lines"] == 2 * data["tickets"]["open"]
    assert data["orders"]["orders"] == 20
    assert data["orders"]["invoices"] > 0
    assert data["customer_360_small"]["documents"] == 10
    assert data["customer_360_large"]["documents"] == 10000


def test_every_benchmark_reports_figures_and_ratios(bench_run):
    run, output = bench_run
    results = run["results"]
    names = {key.split(":")[0] for key in results}
    assert names == {
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
    }
    for key, result in results.items():
        assert result["seconds"] > 0, key
        assert result["queries"] > 0, key
        if result["baseline_seconds"] is not None:
            assert result["ratio"] > 0, key
    with_baseline = [key for key, result in results.items() if result["baseline_seconds"]]
    assert len(with_baseline) == 13
    assert "| Benchmark | Time | SQL queries | Peak memory | Baseline |" in output


def test_report_and_forecast_match_hand_written_sql(bench_run):
    run, _output = bench_run
    data, results = run["data"], run["results"]
    quote_to_cash = results["quote_to_cash:0"]["figures"]
    assert quote_to_cash["match"] is True
    assert quote_to_cash["report"][0] == data["orders"]["orders"]
    ordered, invoiced, paid, still_open = quote_to_cash["report"][1:]
    assert ordered >= invoiced > 0
    assert abs(paid + still_open - invoiced) < 0.05

    forecast = results["forecast:0"]["figures"]
    assert forecast["differing_groups"] == 0
    # Every active opportunity: the generated ones not lost, and three in four
    # of the 360° customers' (one in four is lost).
    active = SCALE - data["opportunities"]["Lost"] + 3 + 3000
    assert forecast["deals"] == active
    assert results["scoring:0"]["figures"] == {
        "active_leads": active,
        "scored_leads": active,
        "baseline_queries": results["scoring:0"]["figures"]["baseline_queries"],
    }

    segment = results["segment:0"]["figures"]
    assert segment["sql_members"] == [segment["members"], segment["members"]]


def test_customer_360_reads_in_the_same_queries(bench_run):
    run, _output = bench_run
    small = run["results"]["customer_360:0"]["figures"]
    large = run["results"]["customer_360:1"]["figures"]
    assert large["queries"] == small["queries"] == large["queries_small"]
    assert small["open_opportunities"] == 2
    assert large["open_opportunities"] == 2000


def test_pipeline_first_load_over_http(bench_run):
    run, _output = bench_run
    expected = run["data"]["salesperson_opportunities"]
    kanban = run["results"]["first_load:0"]["figures"]
    listed = run["results"]["first_load:1"]["figures"]
    assert kanban["opportunities"] == expected
    assert listed["opportunities"] == expected
    assert listed["shown"] == 80
    assert kanban["requests"] >= 6


def test_duplicates_found(bench_run):
    run, _output = bench_run
    one = run["results"]["duplicates:0"]["figures"]
    assert one["original_found"] is True
    assert one["reasons"] == ["email"]
    scan = run["results"]["duplicates:1"]["figures"]
    assert scan["injected_found"] == {"email": 2, "phone": 2, "vat": 2, "name": 2}
    assert scan["pairs"] == scan["sql_pairs"]


def test_helpdesk_and_nurture_figures(bench_run):
    run, _output = bench_run
    data, results = run["data"], run["results"]
    deadlines = results["sla_deadlines:0"]["figures"]
    assert deadlines["open_tickets"] == data["tickets"]["open"]
    assert deadlines["lines"] == deadlines["lines_with_deadline"] == data["sla_lines"]
    escalation = results["escalation:0"]["figures"]
    assert escalation["escalated"] == escalation["due_lines"] == escalation["processed"] == 3
    assert escalation["idle_queries"] == 1

    tag_step, mail_step = results["nurture:0"]["figures"], results["nurture:1"]["figures"]
    assert tag_step == {"participants": 50, "advanced": 50, "tagged": 50}
    assert mail_step["participants"] == mail_step["advanced"] == 10
    assert mail_step["mails_queued"] == 10


def test_imports_take_every_row(bench_run):
    run, _output = bench_run
    maven = run["results"]["maven_import:0"]["figures"]
    assert (maven["rows"], maven["created"], maven["rejected"]) == (8800, 8800, 0)
    generated = run["results"]["generated_import:0"]["figures"]
    assert (generated["rows"], generated["created"], generated["rejected"]) == (SCALE, SCALE, 0)
