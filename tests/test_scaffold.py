"""templates/crm_module scaffolds a module that installs beside the suite."""

import os
import subprocess

from suitetools.odoo import REPO_ROOT, summarize_odoo_log

TEMPLATE = os.path.join(REPO_ROOT, "templates", "crm_module")


def test_scaffold_produces_installable_module(odoo_runtime, db_suffix, python, tmp_path):
    result = subprocess.run(
        [python, "-m", "odoo", "scaffold", "-t", TEMPLATE, "crm_visit_report", str(tmp_path)],
        env=odoo_runtime.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module = tmp_path / "crm_visit_report"
    manifest = (module / "__manifest__.py").read_text()
    assert '"version": "18.0.1.0.0"' in manifest
    assert '"license": "LGPL-3"' in manifest
    for path in (
        "models/crm_visit_report.py",
        "security/ir.model.access.csv",
        "views/crm_visit_report_views.xml",
        "tests/test_crm_visit_report.py",
        "readme/DESCRIPTION.md",
        "i18n/de.po",
        "static/description/icon.png",
    ):
        assert (module / path).is_file(), path
    assert "{{" not in (module / "models" / "crm_visit_report.py").read_text()

    database = f"suite_scaffold_{db_suffix}"
    try:
        lines = odoo_runtime.install(
            database,
            ["crm_visit_report"],
            demo=False,
            addons_path=str(tmp_path),
            extra=("--test-tags", "/crm_visit_report", "--log-level=info"),
        )
        assert "crm_visit_report" in odoo_runtime.installed_modules(database)
        report = summarize_odoo_log(lines)
        assert report["report_found"], "the scaffolded module's tests did not run"
        assert (report["run"], report["failed"]) == (2, 0)
        model = odoo_runtime.query(
            database, "SELECT count(*) FROM ir_model WHERE model = 'crm.visit.report'"
        )
        assert model == [(1,)]
    finally:
        odoo_runtime.drop(database)
