"""Import the Maven CRM CSV files into a database that has crm_pipeline.

Run by ``suite.py run`` in its own process:

    python3 -m suitetools.maven_import --database crm_suite --folder ../shared/data/maven_crm

Connection settings come from the PG* environment variables.
"""

import argparse
import os
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--folder", required=True, help="folder with sales_pipeline.csv")
    args = parser.parse_args(argv)

    import odoo
    from odoo import SUPERUSER_ID, api

    from .odoo import addons_path

    config_args = [f"--addons-path={addons_path(os.path.dirname(odoo.__file__))}"]
    for option, variable in (
        ("db_host", "PGHOST"),
        ("db_port", "PGPORT"),
        ("db_user", "PGUSER"),
        ("db_password", "PGPASSWORD"),
    ):
        if os.environ.get(variable):
            config_args.append(f"--{option}={os.environ[variable]}")
    odoo.tools.config.parse_config(config_args)

    started = time.perf_counter()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = env["crm.pipeline.import"]._import_maven_folder(os.path.abspath(args.folder))
        summary = result._get_summary()
    elapsed = time.perf_counter() - started
    print(
        f"Maven pipeline imported in {elapsed:.1f} s: {summary['created']} opportunities "
        f"created, {summary['updated']} updated, {summary['fixed']} rows fixed, "
        f"{summary['rejected']} rows rejected.",
        flush=True,
    )
    for line in summary["messages"][:20]:
        print(f"  {line}")
    if len(summary["messages"]) > 20:
        print(f"  ... and {len(summary['messages']) - 20} more; the import wizard lists them all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
