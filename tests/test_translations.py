"""German translations: every module's .pot is current and de.po translates all of it."""

import os
import subprocess

import polib
import pytest

from suitetools.odoo import REPO_ROOT, SUITE_MODULES


def pot_path(module):
    return os.path.join(REPO_ROOT, module, "i18n", f"{module}.pot")


def msgids(catalog):
    return {(entry.msgctxt, entry.msgid) for entry in catalog if not entry.obsolete}


@pytest.mark.parametrize("module", SUITE_MODULES)
def test_de_po_translates_every_term(module):
    template = polib.pofile(pot_path(module))
    german = polib.pofile(os.path.join(REPO_ROOT, module, "i18n", "de.po"))
    assert len(template) > 0, f"{module}.pot contains no terms"
    translated = {
        (entry.msgctxt, entry.msgid)
        for entry in german
        if entry.msgstr.strip() and "fuzzy" not in entry.flags and not entry.obsolete
    }
    missing = sorted(msgid for _context, msgid in msgids(template) - translated)
    assert (
        not missing
    ), f"{module}/i18n/de.po lacks {len(missing)} translations, e.g. {missing[:10]}"


@pytest.mark.xdist_group("run")
@pytest.mark.parametrize("module", SUITE_MODULES)
def test_pot_lists_every_term_of_module(module, served_database, odoo_runtime, tmp_path):
    exported = tmp_path / f"{module}.pot"
    command = odoo_runtime.command(
        served_database.database,
        f"--i18n-export={exported}",
        f"--modules={module}",
        "--stop-after-init",
        "--log-level=warn",
    )
    result = subprocess.run(
        command, env=odoo_runtime.env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    current = {msgid for _context, msgid in msgids(polib.pofile(str(exported)))}
    committed = {msgid for _context, msgid in msgids(polib.pofile(pot_path(module)))}
    missing = sorted(current - committed)
    stale = sorted(committed - current)
    assert (
        not missing
    ), f"{module}.pot lacks {len(missing)} terms; export it again. e.g. {missing[:10]}"
    assert (
        not stale
    ), f"{module}.pot lists {len(stale)} terms the module no longer has, e.g. {stale[:10]}"
