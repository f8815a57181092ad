"""Run Python code against an installed database in a separate Odoo process.

The reliability tests need real worker processes: two of them racing on the
same cron, one killed in the middle of a batch, one losing its database
connection. Each process opens the registry itself, runs a body of code with
``env`` (superuser) and ``registry`` in scope, and prints one JSON line with
what the body stored in ``result``.
"""

import json
import os
import shutil
import subprocess
import textwrap

from .odoo import addons_path
from .pg import state_dir

BOOTSTRAP = """\
import json, os, sys, time
import psycopg2
import odoo
from odoo import api, SUPERUSER_ID
from odoo.tools import config
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

config.parse_config({args!r})
odoo.netsvc.init_logger()
from odoo.modules.registry import Registry

DATABASE = {database!r}
registry = Registry(DATABASE)
result = {{}}


def wait_for(path, timeout=120):
    limit = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > limit:
            raise SystemExit("barrier file never appeared: " + path)
        time.sleep(0.005)


def run_retrying(function, attempts=30):
    '''Call function(env) in its own transaction, retrying on concurrency errors.

    The cron scheduler does the same between two runs: a worker that loses a
    race to another one rolls back and runs again later.
    '''
    for attempt in range(attempts):
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {{}})
                return function(env)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            result["retries"] = result.get("retries", 0) + 1
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError("still conflicting after %s attempts" % attempts)


{body}

print("RELIABILITY-RESULT " + json.dumps(result, default=str), flush=True)
"""


def script(runtime, database, body):
    """Return the command running ``body`` against ``database`` in a new process."""
    args = [
        f"--addons-path={addons_path(runtime.package_dir)}",
        f"--data-dir={os.path.join(state_dir(), 'odoo-data')}",
        "--log-level=warn",
        *runtime.connection.odoo_args(),
    ]
    code = BOOTSTRAP.format(args=args, database=database, body=textwrap.dedent(body))
    return [runtime.env.get("PYTHON", "python3"), "-c", code]


def start(runtime, database, body, log_path):
    """Start ``body`` in a new process writing to ``log_path``; return the Popen."""
    log = open(log_path, "w")  # noqa: SIM115 - closed by the caller through finish()
    process = subprocess.Popen(
        script(runtime, database, body), env=runtime.env, stdout=log, stderr=subprocess.STDOUT
    )
    process.log_file = log
    process.log_path = log_path
    return process


def finish(process, timeout=300):
    """Wait for a process started by start(); return (returncode, result dict, output)."""
    try:
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.log_file.close()
    with open(process.log_path) as log:
        output = log.read()
    return process.returncode, parse_result(output), output


def run(runtime, database, body, timeout=300):
    """Run ``body`` to completion; return (returncode, result dict, output)."""
    completed = subprocess.run(
        script(runtime, database, body),
        env=runtime.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = completed.stdout + completed.stderr
    return completed.returncode, parse_result(output), output


def drop_database(runtime, database):
    """Drop ``database`` and its Odoo filestore, which dropping the database leaves behind."""
    runtime.drop(database)
    shutil.rmtree(os.path.join(state_dir(), "odoo-data", "filestore", database), ignore_errors=True)


def parse_result(output):
    for line in reversed(output.splitlines()):
        if line.startswith("RELIABILITY-RESULT "):
            return json.loads(line.split(" ", 1)[1])
    return None
