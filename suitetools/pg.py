"""Find a PostgreSQL server for Odoo, or start a private one.

Order of preference:

1. A server that accepts connections with the usual libpq settings (PGHOST, PGPORT, PGUSER,
   PGPASSWORD, or the local socket under the current user's name).
2. A private cluster under the suite's state directory, created with ``initdb``
   on first use and started with ``pg_ctl``. As root the cluster runs as the
   ``postgres`` system user, because PostgreSQL refuses to run as root, and Odoo
   connects as the role ``odoo`` (Odoo refuses the role ``postgres``).

The private cluster listens on a Unix socket inside the state directory and on
no TCP address, so it never collides with another server on the machine.
"""

import glob
import logging
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field

_logger = logging.getLogger(__name__)

PRIVATE_PORT = 5432
# Settings for a developer or CI cluster: losing the last transactions after
# a crash is acceptable there, waiting for every commit to reach the disk is not.
PRIVATE_SERVER_SETTINGS = {
    "listen_addresses": "''",
    "synchronous_commit": "off",
    "max_connections": "200",
    "shared_buffers": "256MB",
    "work_mem": "32MB",
    "max_wal_size": "2GB",
}


@dataclass
class Connection:
    """Connection parameters handed to Odoo and psql."""

    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    private: bool = False
    extra_env: dict = field(default_factory=dict)

    def odoo_args(self):
        args = []
        if self.host:
            args.append(f"--db_host={self.host}")
        if self.port:
            args.append(f"--db_port={self.port}")
        if self.user:
            args.append(f"--db_user={self.user}")
        if self.password:
            args.append(f"--db_password={self.password}")
        return args

    def libpq_env(self):
        env = dict(os.environ)
        if self.host:
            env["PGHOST"] = self.host
        if self.port:
            env["PGPORT"] = self.port
        if self.user:
            env["PGUSER"] = self.user
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname="postgres"):
        import psycopg2

        kwargs = {"dbname": dbname}
        for key in ("host", "port", "user", "password"):
            if getattr(self, key):
                kwargs[key] = getattr(self, key)
        return psycopg2.connect(**kwargs)


def state_dir():
    """Return the folder for the private cluster, filestore and logs.

    CRM_SUITE_STATE overrides it. Root gets a folder outside /root, because the
    ``postgres`` user must be able to reach the cluster's data directory.
    """
    if os.environ.get("CRM_SUITE_STATE"):
        path = os.environ["CRM_SUITE_STATE"]
    elif os.geteuid() == 0:
        path = "/var/lib/crm-suite"
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        path = os.path.join(base, "crm-suite")
    os.makedirs(path, exist_ok=True)
    return path


def _answers(connection):
    try:
        conn = connection.connect()
    except Exception as error:  # psycopg2 raises several classes for "no server"
        _logger.debug("no PostgreSQL at %s: %s", connection, error)
        return False
    conn.close()
    return True


def _postgres_bindir():
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())

    def version_key(path):
        version = path.split("/")[-2]
        return int(version) if version.isdigit() else 0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True)
    for folder in candidates:
        if os.path.exists(os.path.join(folder, "initdb")):
            return folder
    raise SystemExit(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install "
        "PostgreSQL 13 or newer (Debian: apt-get install postgresql), or point "
        "PGHOST/PGPORT/PGUSER at a running server."
    )


def _as_server_user(cmd):
    """Prefix ``cmd`` so it runs as the cluster owner."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _private_paths():
    root = state_dir()
    return {
        "root": root,
        "data": os.path.join(root, "pgdata"),
        "socket": os.path.join(root, "pgsocket"),
        "log": os.path.join(root, "postgresql.log"),
    }


def _prepare_private_dirs(paths):
    os.makedirs(paths["socket"], exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for key in ("root", "socket"):
            os.chmod(paths[key], 0o755)
        os.chown(paths["socket"], owner.pw_uid, owner.pw_gid)
        if not os.path.exists(paths["log"]):
            open(paths["log"], "a").close()
        os.chown(paths["log"], owner.pw_uid, owner.pw_gid)


def private_connection():
    paths = _private_paths()
    user = "odoo" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    return Connection(host=paths["socket"], port=str(PRIVATE_PORT), user=user, private=True), paths


def start_private_cluster():
    """Create the private cluster on first use and start it; return its Connection."""
    connection, paths = private_connection()
    if _answers(connection):
        return connection

    bindir = _postgres_bindir()
    _prepare_private_dirs(paths)
    if not os.path.exists(os.path.join(paths["data"], "PG_VERSION")):
        os.makedirs(paths["data"], exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(paths["data"], owner.pw_uid, owner.pw_gid)
        os.chmod(paths["data"], 0o700)
        print(f"Creating a private PostgreSQL cluster in {paths['data']}", flush=True)
        subprocess.run(
            _as_server_user(
                [
                    os.path.join(bindir, "initdb"),
                    "-D",
                    paths["data"],
                    "-U",
                    connection.user,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    options = [f"-c unix_socket_directories={paths['socket']}", f"-p {PRIVATE_PORT}"]
    options += [f"-c {key}={value}" for key, value in PRIVATE_SERVER_SETTINGS.items()]
    print(f"Starting PostgreSQL (socket in {paths['socket']})", flush=True)
    result = subprocess.run(
        _as_server_user(
            [
                os.path.join(bindir, "pg_ctl"),
                "-D",
                paths["data"],
                "-l",
                paths["log"],
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=False,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not _answers(connection):
        if time.monotonic() > deadline:
            raise SystemExit(
                f"PostgreSQL did not start (pg_ctl exit code {result.returncode}); "
                f"see {paths['log']}"
            )
        time.sleep(0.5)
    return connection


def stop_private_cluster():
    _connection, paths = private_connection()
    if not os.path.exists(os.path.join(paths["data"], "PG_VERSION")):
        return
    subprocess.run(
        _as_server_user(
            [
                os.path.join(_postgres_bindir(), "pg_ctl"),
                "-D",
                paths["data"],
                "-m",
                "fast",
                "stop",
            ]
        ),
        check=False,
    )


def ensure_server():
    """Return a Connection to a PostgreSQL server, starting a private one if needed.

    CRM_SUITE_PG=private skips the probe of the libpq defaults.
    """
    if os.environ.get("CRM_SUITE_PG") != "private":
        default = Connection()
        if (os.environ.get("PGUSER") or "") != "postgres" and _answers(default):
            return default
    return start_private_cluster()


def database_exists(connection, name):
    conn = connection.connect()
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return bool(cr.fetchone())
    finally:
        conn.close()


def drop_database(connection, name):
    conn = connection.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()


def create_database_from_template(connection, name, template):
    conn = connection.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        conn.close()
