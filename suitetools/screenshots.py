"""The screenshots command: the modules' screens from the real UI, for their docs.

Every suite module has a test tagged ``crm_screenshots`` (tests/test_screenshots.py)
that opens its main screens in headless Chromium on Odoo's demo data and checks
what they show. This command installs the modules into a fresh database, runs
those tests with CRM_SUITE_SCREENSHOTS pointing to a temporary folder, and copies
the PNGs they save to each module's static/description folder, made smaller with
Pillow (256 colours, optimised).
"""

import glob
import os
import shutil
import tempfile

from . import pg
from .odoo import REPO_ROOT, free_port, locate_odoo, odoo_command, summarize_odoo_log
from .testing import _stream_odoo

TEST_TAG = "crm_screenshots"
FOLDER_VARIABLE = "CRM_SUITE_SCREENSHOTS"
GERMAN = "de_DE"


def optimise_png(source, target):
    """Write ``source`` to ``target`` as a 256-colour PNG; return its size in bytes.

    Screens of the web client have few colours, so the palette keeps them
    sharp. On the suite's screens the files shrink to about 40 % of Chromium's PNGs.
    """
    from PIL import Image

    with Image.open(source) as image:
        image = image.convert("RGB")
        palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=0)
        palette.save(target, format="PNG", optimize=True)
    return os.path.getsize(target)


def publish(folder, modules):
    """Copy the PNGs of ``folder``/<module>/ to <module>/static/description/.

    Screenshots of an earlier run that this run did not make again are removed,
    so the folder contains the current screens only. Returns [(path, bytes)].
    """
    published = []
    for module in modules:
        made = sorted(glob.glob(os.path.join(folder, module, "screenshot_*.png")))
        if not made:
            continue
        target_dir = os.path.join(REPO_ROOT, module, "static", "description")
        os.makedirs(target_dir, exist_ok=True)
        names = {os.path.basename(path) for path in made}
        for old in glob.glob(os.path.join(target_dir, "screenshot_*.png")):
            if os.path.basename(old) not in names:
                os.remove(old)
        for path in made:
            target = os.path.join(target_dir, os.path.basename(path))
            published.append((os.path.relpath(target, REPO_ROOT), optimise_png(path, target)))
    return published


def run_screenshots(args):
    """Install the modules into a fresh database, run the screenshot tests and
    publish their PNGs. Returns the exit code."""
    env, package_dir, version = locate_odoo()
    connection = pg.ensure_server()
    modules = [name.strip() for name in args.modules.split(",") if name.strip()]
    database = args.database
    log_dir = os.path.join(pg.state_dir(), "logs")
    os.makedirs(log_dir, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="screenshots-", dir=log_dir)
    env = {**env, **connection.libpq_env(), FOLDER_VARIABLE: folder}

    pg.drop_database(connection, database)
    port = str(args.http_port or free_port())
    print(
        f"== Screenshots: Odoo {version}, creating the database {database!r} in English",
        flush=True,
    )
    base = odoo_command(
        connection,
        package_dir,
        database,
        "-i",
        "base",
        "--stop-after-init",
        "--http-port",
        port,
        "--log-level=warn",
        "--max-cron-threads=0",
    )
    returncode, _lines = _stream_odoo(base, env, os.path.join(folder, "base.log"))
    if returncode != 0:
        print(f"== Screenshots: creating the database failed; log in {folder}", flush=True)
        return 1
    # German is loaded into the English database before the modules install,
    # so their records (stages, menus) get both languages while English stays
    # the language of the company and its documents (invoice and journal codes).
    extra = [] if args.english_only else [f"--load-language={GERMAN}"]
    command = odoo_command(
        connection,
        package_dir,
        database,
        *extra,
        "-i",
        ",".join(modules),
        "--test-tags",
        TEST_TAG,
        "--stop-after-init",
        "--http-port",
        port,
        "--log-level=info",
        "--max-cron-threads=0",
    )
    print(
        f"== Screenshots: installing {', '.join(modules)} with demo data and running the "
        f"screenshot tests; PNGs in {folder}",
        flush=True,
    )
    log_path = os.path.join(folder, "odoo.log")
    returncode, lines = _stream_odoo(command, env, log_path)
    summary = summarize_odoo_log(lines)
    failed = summary["failed"] + len(summary["skipped_lines"])
    if returncode != 0 or not summary["report_found"] or failed or summary["error_lines"]:
        print(
            f"== Screenshots: the tests failed ({summary['run'] - summary['failed']} passed, "
            f"{failed or 1} failed); nothing published. Log: {log_path}",
            flush=True,
        )
        return 1
    published = publish(folder, modules)
    for path, size in published:
        print(f"{path}  {size // 1024} KiB")
    print(
        f"== Screenshots: {summary['run']} tests passed, {len(published)} PNGs published. "
        "Look at every one before you commit them.",
        flush=True,
    )
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
        pg.drop_database(connection, database)
    return 0 if published else 1
