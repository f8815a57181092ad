"""The lint phase: ruff, pylint-odoo and a check of the modules' XML and manifests."""

import ast
import glob
import os
import subprocess
import sys

from lxml import etree

from .odoo import REPO_ROOT, SUITE_MODULES

PYTHON_PATHS = [*SUITE_MODULES, "suitetools", "tests", "benchmarks", "suite.py"]


def _run(command):
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, cwd=REPO_ROOT, check=False)
    return result.returncode == 0


def check_ruff():
    paths = [path for path in PYTHON_PATHS if os.path.exists(os.path.join(REPO_ROOT, path))]
    return _run([sys.executable, "-m", "ruff", "check", "--no-cache", *paths])


def check_pylint_odoo():
    return _run([sys.executable, "-m", "pylint", "--rcfile=.pylintrc", *SUITE_MODULES])


def check_oca_hooks():
    """Run OCA's pre-commit checks: modules (XML, manifests, CSV) and translations.

    The .po formatting check (po-pretty-format) is off: Odoo's own
    ``--i18n-export`` writes .pot files in another line wrapping, so the check
    would fail after every export although the content is right.
    """
    modules_ok = _run([sys.executable, "-m", "oca_pre_commit_hooks", *SUITE_MODULES])
    po_files = sorted(
        path
        for module in SUITE_MODULES
        for pattern in ("*.po", "*.pot")
        for path in glob.glob(os.path.join(module, "i18n", pattern), root_dir=REPO_ROOT)
    )
    po_ok = _run(
        [
            sys.executable,
            "-c",
            "import sys; from oca_pre_commit_hooks.cli_po import main; sys.exit(main())",
            "--disable=po-pretty-format",
            *po_files,
        ]
    )
    return modules_ok and po_ok


def xml_and_manifest_problems():
    """Return a list of problems: malformed XML, missing data files, 17.0-style views."""
    problems = []
    for module in SUITE_MODULES:
        folder = os.path.join(REPO_ROOT, module)
        with open(os.path.join(folder, "__manifest__.py"), encoding="utf-8") as handle:
            manifest = ast.literal_eval(handle.read())
        for data_file in manifest.get("data", []) + manifest.get("demo", []):
            if not os.path.isfile(os.path.join(folder, data_file)):
                problems.append(f"{module}/__manifest__.py: {data_file} does not exist")
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if not name.endswith(".xml"):
                    continue
                path = os.path.join(root, name)
                relative = os.path.relpath(path, REPO_ROOT)
                try:
                    tree = etree.parse(path)
                except etree.XMLSyntaxError as error:
                    problems.append(f"{relative}: invalid XML: {error}")
                    continue
                if tree.xpath("//tree[not(ancestor::templates)]") and "/views/" in path:
                    problems.append(f"{relative}: uses <tree>; Odoo 18 views use <list>")
                for node in tree.xpath("//*[@attrs or @states]"):
                    problems.append(
                        f"{relative}:{node.sourceline}: attrs/states were removed in Odoo 17; "
                        "use invisible/readonly/required expressions"
                    )
    return problems


def check_xml_and_manifests():
    print("$ XML and manifest check", flush=True)
    problems = xml_and_manifest_problems()
    for problem in problems:
        print(problem)
    return not problems


CHECKS = [
    ("ruff", check_ruff),
    ("pylint-odoo", check_pylint_odoo),
    ("oca-pre-commit-hooks", check_oca_hooks),
    ("xml-and-manifests", check_xml_and_manifests),
]


def run_lint():
    """Run every check; return (passed, failed) counted per check."""
    passed = failed = 0
    for name, check in CHECKS:
        if check():
            passed += 1
        else:
            failed += 1
            print(f"Lint: {name} reported findings", flush=True)
    print(f"== Lint: {passed} passed, {failed} failed", flush=True)
    return passed, failed
