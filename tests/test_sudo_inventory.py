"""Every ``sudo()`` of the suite's modules is reviewed and named with its test.

The test parses the modules' Python code (test code excluded), counts the
``sudo()`` calls of each function and compares them with the reviewed table
in ``tests/sudo_inventory.py``. A new call, a removed one or a call moved to
another function fails until the table names the test proving that the site
does not widen access. Each named test must exist.
"""

import ast
import collections
import importlib.util
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODULES = ("crm_core", "crm_pipeline", "crm_campaign", "crm_helpdesk", "crm_erp_bridge")


def _load_inventory():
    spec = importlib.util.spec_from_file_location(
        "sudo_inventory", Path(__file__).with_name("sudo_inventory.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SUDO_SITES


SUDO_SITES = _load_inventory()


def _enclosing_sudo_calls(tree):
    """Return a Counter {qualified function name: number of sudo() calls}."""
    counts = collections.Counter()

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name])
                continue
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "sudo"
            ):
                counts[".".join(scope) or "<module>"] += 1
            visit(child, scope)

    visit(tree, [])
    return counts


def collect_sudo_sites():
    """Return {(file, function): number of sudo() calls} of the modules' code."""
    sites = {}
    for module in MODULES:
        for path in sorted((REPO_ROOT / module).rglob("*.py")):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if "/tests/" in relative:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            for function, count in _enclosing_sudo_calls(tree).items():
                sites[(relative, function)] = count
    return sites


def _test_exists(reference):
    """Tell whether ``file::Class::method`` names a test method in the repository."""
    file_name, class_name, method_name = reference.split("::")
    path = REPO_ROOT / file_name
    if not path.is_file():
        return False
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return any(
                isinstance(item, ast.FunctionDef) and item.name == method_name
                for item in node.body
            )
    return False


def test_sudo_sites_found():
    sites = collect_sudo_sites()
    # The modules use sudo() in many places: finding none means the scan broke.
    assert sum(sites.values()) > 50


def test_every_sudo_site_is_reviewed():
    sites = collect_sudo_sites()
    unlisted = sorted(
        f"{file_name} {function} ({count} sudo() calls)"
        for (file_name, function), count in sites.items()
        if (file_name, function) not in SUDO_SITES
    )
    assert not unlisted, (
        "sudo() in functions missing from tests/sudo_inventory.py; add each with "
        "the test proving it does not widen access:\n" + "\n".join(unlisted)
    )


def test_reviewed_counts_match_code():
    sites = collect_sudo_sites()
    changed = sorted(
        f"{file_name} {function}: listed {listed}, found {sites.get((file_name, function), 0)}"
        for (file_name, function), (listed, _test, _reason) in SUDO_SITES.items()
        if sites.get((file_name, function), 0) != listed
    )
    assert not changed, (
        "sudo() calls added, removed or moved since the review; review them and "
        "update tests/sudo_inventory.py:\n" + "\n".join(changed)
    )


def test_named_tests_exist():
    missing = sorted(
        f"{file_name} {function}: {test}"
        for (file_name, function), (_count, test, _reason) in SUDO_SITES.items()
        if not _test_exists(test)
    )
    assert not missing, "Tests named in tests/sudo_inventory.py not found:\n" + "\n".join(missing)


def test_every_site_has_a_reason():
    empty = sorted(
        f"{file_name} {function}"
        for (file_name, function), (_count, _test, reason) in SUDO_SITES.items()
        if not reason.strip()
    )
    assert not empty
