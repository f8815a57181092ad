"""Each module installs alone with its dependencies.

All five together are installed by the Odoo phase of the test command and by
test_run_command.py, which also checks their access rights.
"""

import ast
import os

import pytest

from suitetools.odoo import REPO_ROOT, SUITE_MODULES

EXPECTED_DEPENDS = {
    "crm_core": ["crm", "contacts"],
    "crm_pipeline": ["crm_core", "sale_crm"],
    "crm_campaign": ["crm_core", "mass_mailing_crm"],
    "crm_helpdesk": ["crm_core", "portal", "rating", "resource"],
    "crm_erp_bridge": ["crm_pipeline", "crm_helpdesk", "sale_management", "sale_stock", "account"],
}
SUITE_CLOSURE = {
    "crm_core": {"crm_core"},
    "crm_pipeline": {"crm_core", "crm_pipeline"},
    "crm_campaign": {"crm_core", "crm_campaign"},
    "crm_helpdesk": {"crm_core", "crm_helpdesk"},
    "crm_erp_bridge": {"crm_core", "crm_pipeline", "crm_helpdesk", "crm_erp_bridge"},
}
README_FRAGMENTS = ["DESCRIPTION.md", "USAGE.md", "CONFIGURE.md", "CONTRIBUTORS.md", "ROADMAP.md"]


def read_manifest(module):
    with open(os.path.join(REPO_ROOT, module, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())


@pytest.mark.parametrize("module", SUITE_MODULES)
def test_manifest_follows_suite_conventions(module):
    manifest = read_manifest(module)
    assert manifest["version"].startswith("18.0.")
    assert manifest["version"].count(".") == 4
    assert manifest["license"] == "LGPL-3"
    for key in ("name", "summary", "category", "author", "website"):
        assert manifest.get(key), f"{module}: manifest key {key!r} is empty"
    for dependency in EXPECTED_DEPENDS[module]:
        assert dependency in manifest["depends"], f"{module} must depend on {dependency}"
    assert "security/ir.model.access.csv" in manifest["data"]


@pytest.mark.parametrize("module", SUITE_MODULES)
def test_module_layout_is_complete(module):
    folder = os.path.join(REPO_ROOT, module)
    for fragment in README_FRAGMENTS:
        assert os.path.isfile(
            os.path.join(folder, "readme", fragment)
        ), f"{module}: readme/{fragment}"
    assert os.path.isfile(os.path.join(folder, "static", "description", "icon.png"))
    assert os.path.isfile(
        os.path.join(folder, "i18n", f"{module}.pot")
    ), f"{module}: i18n/{module}.pot"
    assert os.path.isfile(os.path.join(folder, "i18n", "de.po")), f"{module}: i18n/de.po"
    for data_file in read_manifest(module)["data"] + read_manifest(module).get("demo", []):
        assert os.path.isfile(os.path.join(folder, data_file)), f"{module}: {data_file} is missing"


@pytest.mark.parametrize("module", SUITE_MODULES)
def test_module_installs_alone(odoo_runtime, db_suffix, module):
    database = f"suite_alone_{module}_{db_suffix}"
    try:
        odoo_runtime.install(database, [module], demo=False)
        installed = odoo_runtime.installed_modules(database)
        assert set(EXPECTED_DEPENDS[module]) <= installed
        # A module alone pulls in only the suite modules it depends on.
        assert installed & set(SUITE_MODULES) == SUITE_CLOSURE[module]
    finally:
        odoo_runtime.drop(database)
