"""A throwaway PostgreSQL primary with a streaming standby, for the replica test.

Both clusters live in one temporary folder and listen only on their own Unix
socket directory, so they never touch the suite's shared cluster or any TCP
port. The standby is a hot standby made by ``pg_basebackup --write-recovery-conf``:
it follows the primary over the primary's socket and accepts read-only queries.
As root, both clusters run as the ``postgres`` system user (see ``pg.py``).
"""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time

from . import pg

PRIMARY_PORT = 5433
STANDBY_PORT = 5434
# Throwaway clusters: durability does not matter, install speed does.
PRIMARY_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "max_connections": "100",
}
# The standby logs every statement it runs, which is how a test proves that a
# request was served by the replica.
STANDBY_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "hot_standby": "on",
    "log_statement": "all",
    "max_connections": "100",
}
START_TIMEOUT = 60
# Start of each entry in a server log with the default log_line_prefix
# ('%m [%p] '); a statement over several lines continues without it.
LOG_ENTRY_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] ", re.MULTILINE)


class Cluster:
    """One PostgreSQL data directory with its socket directory and log file."""

    def __init__(self, root, name, port, settings):
        self.name = name
        self.port = port
        self.settings = settings
        self.data = os.path.join(root, name, "data")
        self.socket = os.path.join(root, name, "socket")
        self.log = os.path.join(root, name, "postgresql.log")

    def connection(self, user):
        return pg.Connection(host=self.socket, port=str(self.port), user=user)

    def start(self, bindir):
        options = [f"-c unix_socket_directories={self.socket}", f"-p {self.port}"]
        options += [f"-c {key}={value}" for key, value in self.settings.items()]
        subprocess.run(
            pg._as_server_user([
                os.path.join(bindir, "pg_ctl"), "-D", self.data, "-l", self.log,
                "-o", " ".join(options), "-w", "-t", str(START_TIMEOUT), "start",
            ]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, bindir):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(
                pg._as_server_user(
                    [os.path.join(bindir, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"]
                ),
                check=False,
                stdout=subprocess.DEVNULL,
            )

    def read_log(self, offset=0):
        """Return the server log from byte ``offset`` on."""
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            return handle.read()

    def log_entries(self, offset=0):
        """Return the log entries written from byte ``offset`` on, each a whole statement."""
        text = self.read_log(offset)
        starts = [match.start() for match in LOG_ENTRY_START.finditer(text)]
        if not starts:
            return []
        ends = [*starts[1:], len(text)]
        return [text[start:end] for start, end in zip(starts, ends, strict=True)]

    def log_size(self):
        return os.path.getsize(self.log)


class StreamingReplica:
    """A primary and a hot standby that streams the primary's WAL.

    Use it as a context manager: leaving the block stops both servers and
    deletes their folder, also when the block raised.
    """

    def __init__(self, parent=None):
        self.root = tempfile.mkdtemp(prefix="replica-", dir=parent or pg.state_dir())
        self.user = "odoo" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self.bindir = pg._postgres_bindir()
        self.primary = Cluster(self.root, "primary", PRIMARY_PORT, PRIMARY_SETTINGS)
        self.standby = Cluster(self.root, "standby", STANDBY_PORT, STANDBY_SETTINGS)
        self.odoo_data = os.path.join(self.root, "odoo-data")

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def primary_connection(self):
        return self.primary.connection(self.user)

    def standby_connection(self):
        return self.standby.connection(self.user)

    def start(self):
        """Create the primary, copy it with pg_basebackup and start the standby on the copy."""
        self._prepare_folders()
        subprocess.run(
            pg._as_server_user([
                os.path.join(self.bindir, "initdb"), "-D", self.primary.data, "-U", self.user,
                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
            ]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.primary.start(self.bindir)
        # --write-recovery-conf writes standby.signal and a primary_conninfo
        # that reaches the primary over its Unix socket.
        subprocess.run(
            pg._as_server_user([
                os.path.join(self.bindir, "pg_basebackup"), "-D", self.standby.data,
                "-h", self.primary.socket, "-p", str(self.primary.port), "-U", self.user,
                "--wal-method=stream", "--write-recovery-conf", "--checkpoint=fast",
            ]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.standby.start(self.bindir)
        self._wait_for_streaming()

    def stop(self):
        for cluster in (self.standby, self.primary):
            cluster.stop(self.bindir)
        shutil.rmtree(self.root, ignore_errors=True)

    def _prepare_folders(self):
        for cluster in (self.primary, self.standby):
            os.makedirs(cluster.socket)
        os.makedirs(self.odoo_data)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chmod(self.root, 0o755)
            for cluster in (self.primary, self.standby):
                folder = os.path.dirname(cluster.socket)
                for path in (folder, cluster.socket):
                    os.chown(path, owner.pw_uid, owner.pw_gid)

    def _wait_for_streaming(self):
        """Wait until the primary reports the standby as a streaming WAL receiver."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            state = self.query_primary("SELECT state FROM pg_stat_replication")
            if state and state[0][0] == "streaming":
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the standby did not start streaming within {START_TIMEOUT} s "
                    f"(pg_stat_replication: {state}); see {self.standby.log}"
                )
            time.sleep(0.2)

    def wait_for_replay(self, timeout=START_TIMEOUT):
        """Wait until the standby has replayed everything the primary wrote so far.

        The insert position counts commits that synchronous_commit=off has not
        written to the WAL files yet.
        """
        target = self.query_primary("SELECT pg_current_wal_insert_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while True:
            caught_up = self.query_standby(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            )[0][0]
            if caught_up:
                return target
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the standby did not replay the primary's WAL up to {target} "
                    f"within {timeout} s; see {self.standby.log}"
                )
            time.sleep(0.2)

    def log_primary_statements(self):
        """Make the primary log every statement from now on (after the module install,
        whose hundreds of thousands of statements nobody needs in the log)."""
        self.query_primary("ALTER SYSTEM SET log_statement = 'all'")
        self.query_primary("SELECT pg_reload_conf()")

    def query_primary(self, sql, params=None, database="postgres"):
        return _query(self.primary_connection(), database, sql, params)

    def query_standby(self, sql, params=None, database="postgres"):
        return _query(self.standby_connection(), database, sql, params)


def _query(connection, database, sql, params):
    conn = connection.connect(database)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params or [])
            return cr.fetchall() if cr.description else []
    finally:
        conn.close()
