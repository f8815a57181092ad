"""Odoo command-line flags shared by the benchmark scripts.

The scripts find Odoo and PostgreSQL the way `suite.py` does: the importable
`odoo` package (or ODOO_SOURCE) and the PG* variables, or the suite's private
cluster, which is started when no server accepts connections.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
# suite.py accepts an Odoo source tree named by ODOO_SOURCE; the scripts import
# odoo themselves, so that tree must be on their path too.
if os.environ.get("ODOO_SOURCE") and os.environ["ODOO_SOURCE"] not in sys.path:
    sys.path.insert(0, os.environ["ODOO_SOURCE"])

from suitetools import pg  # noqa: E402
from suitetools.odoo import addons_path, locate_odoo  # noqa: E402


def connection_flags():
    """Return the --db_* flags of the server the suite uses."""
    return pg.ensure_server().odoo_args()


def odoo_flags():
    """Return the addons path, data dir and --db_* flags for `python3 -m odoo`."""
    _env, package_dir, _version = locate_odoo()
    return [
        f"--addons-path={addons_path(package_dir)}",
        f"--data-dir={os.path.join(pg.state_dir(), 'odoo-data')}",
        *connection_flags(),
    ]
