"""Heavy reports run on a PostgreSQL streaming replica when Odoo has one.

The test starts its own primary and hot standby (``suitetools/replica.py``)
instead of copying the shared cluster. It needs replication and statement
logging, which it must not switch on for a server other people use, and it
must also work when the suite's server is not a private cluster. It installs
the suite on the primary, starts Odoo with ``--db_replica_host`` and
``--db_replica_port`` aimed at the standby, logs in over HTTP as a sales,
helpdesk and marketing manager and reads each report the way the web client
does (``/web/dataset/call_kw``).

Where a request ran is read from the servers' own logs: the standby logs
every statement, the primary does once the install is over. Each report read
carries a unique number in its domain (``id != <number>``), which psycopg2
writes into the SQL text. A request that Odoo served on the replica leaves the
number in the standby's log only. A request that wrote something would have
been rolled back and run again on the primary, which would leave the number in
both logs.
"""

import datetime
import http.cookiejar
import itertools
import json
import os
import random
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from suitetools.odoo import free_port, odoo_command, summarize_odoo_log
from suitetools.replica import StreamingReplica

pytestmark = pytest.mark.xdist_group("replica")

# crm_erp_bridge pulls in crm_core, crm_pipeline and crm_helpdesk.
MODULES = ["crm_erp_bridge", "crm_campaign"]
INSTALL_TIMEOUT = 600
SERVER_START_TIMEOUT = 120
MANAGER_LOGIN = "replica.manager"
MANAGER_PASSWORD = "replica-manager-password"
MANAGER_GROUPS = [
    "sales_team.group_sale_manager",
    "crm_helpdesk.group_helpdesk_manager",
    "mass_mailing.group_mass_mailing_user",
]
# Odoo logs this warning when a read-only request wrote and was run again on
# the primary (odoo/http.py, Request._transactioning).
RETRY_WARNING = "retrying with a read/write cursor"


class JsonRpcClient:
    """A web client session: the cookie of one login and JSON-RPC calls."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.request_ids = itertools.count(1)

    def post(self, path, params):
        body = json.dumps(
            {"jsonrpc": "2.0", "method": "call", "id": next(self.request_ids), "params": params}
        ).encode()
        request = urllib.request.Request(
            self.base_url + path, data=body, headers={"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=120) as response:
            payload = json.loads(response.read())
        if "error" in payload:
            data = payload["error"].get("data", {})
            raise AssertionError(f"{path} failed: {data.get('message')}\n{data.get('debug', '')}")
        return payload["result"]

    def login(self, database, login, password):
        result = self.post(
            "/web/session/authenticate", {"db": database, "login": login, "password": password}
        )
        assert result.get("uid"), f"login of {login!r} failed"
        return result["uid"]

    def call(self, model, method, *args, **kwargs):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class ReplicaSetup:
    """The running servers, the logged-in manager and the records the reports show."""

    def __init__(self, replica, base_url, database, odoo_log):
        self.replica = replica
        self.base_url = base_url
        self.database = database
        self.odoo_log = odoo_log
        self.manager = None
        self.manager_uid = None
        self.records = {}

    def read_where_served(self, call):
        """Run ``call(marker)`` and return its result with the logs it left on each server.

        ``call`` must put ``marker`` into the SQL of its request.
        """
        marker = random.randrange(10**9, 2 * 10**9)
        primary_offset = self.replica.primary.log_size()
        standby_offset = self.replica.standby.log_size()
        result = call(marker)
        primary_log = self.replica.primary.log_entries(primary_offset)
        standby_log = self.replica.standby.log_entries(standby_offset)
        return result, ServedBy(str(marker), primary_log, standby_log)


class ServedBy:
    """The statements that the servers logged during one request."""

    def __init__(self, marker, primary_log, standby_log):
        self.marker = marker
        self.primary_log = primary_log
        self.standby_log = standby_log

    def assert_replica_only(self, table):
        """Check that the statements carrying the marker ran on the standby only."""
        standby = [entry for entry in self.standby_log if self.marker in entry]
        primary = [entry for entry in self.primary_log if self.marker in entry]
        assert any(f'"{table}"' in entry for entry in standby), (
            f"no statement on {table} with marker {self.marker} in the standby's log"
        )
        assert not primary, (
            "the request also ran on the primary:\n" + "\n".join(entry[:300] for entry in primary)
        )

    def assert_table_read_on_replica_only(self, table):
        """Check that every statement on ``table`` ran on the standby, for a request
        whose SQL cannot carry the marker. Nothing else queries the servers meanwhile."""
        standby = [entry for entry in self.standby_log if f'"{table}"' in entry]
        primary = [entry for entry in self.primary_log if f'"{table}"' in entry]
        assert not primary, (
            f"{table} was read on the primary:\n" + "\n".join(entry[:300] for entry in primary[:3])
        )
        assert standby, f"no statement on {table} in the standby's log"


def wait_for_server(base_url, process, log_path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path) as log:
                pytest.fail(f"Odoo exited with {process.returncode}:\n{log.read()[-4000:]}")
        try:
            with urllib.request.urlopen(base_url + "/web/login", timeout=10):
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"Odoo did not answer on {base_url} within {SERVER_START_TIMEOUT} s")


def install_suite(odoo_runtime, replica, database):
    command = odoo_command(
        replica.primary_connection(), odoo_runtime.package_dir, database,
        "-i", ",".join(MODULES), "--without-demo=all", "--stop-after-init",
        "--http-port", str(free_port()), "--max-cron-threads=0", "--log-level=warn",
        data_dir=replica.odoo_data,
    )
    result = subprocess.run(
        command, env=odoo_runtime.env, capture_output=True, text=True,
        timeout=INSTALL_TIMEOUT, check=False,
    )
    lines = (result.stdout + result.stderr).splitlines()
    assert result.returncode == 0, (
        f"install exited with {result.returncode}:\n" + "\n".join(lines[-60:])
    )
    errors = summarize_odoo_log(lines)["error_lines"]
    assert not errors, "install logged errors:\n" + "\n".join(errors[:20])


def create_report_records(setup):
    """Create, as the manager, what each report will show: three opportunities,
    a confirmed order, a ticket and a segment of the manager's opportunities."""
    manager = setup.manager
    customer = manager.call("res.partner", "create", {"name": "Replica Test Customer GmbH"})
    deadline = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    leads = [
        manager.call("crm.lead", "create", {
            "name": f"Replica deal {revenue}",
            "type": "opportunity",
            "partner_id": customer,
            "user_id": setup.manager_uid,
            "expected_revenue": revenue,
            "date_deadline": deadline,
        })
        for revenue in (12000, 3000, 5000)
    ]
    product = manager.call("product.product", "create", {
        "name": "Replica Test Widget", "type": "consu", "list_price": 250.0,
    })
    order = manager.call("sale.order", "create", {
        "partner_id": customer,
        "order_line": [(0, 0, {
            "product_id": product,
            "product_uom_qty": 4,
            "price_unit": 250.0,
            "tax_id": [(6, 0, [])],
        })],
    })
    manager.call("sale.order", "action_confirm", [order])
    ticket = manager.call("crm.helpdesk.ticket", "create", {
        "name": "Replica test: invoice address wrong", "partner_id": customer,
    })
    segment = manager.call("crm.segment", "create", {
        "name": "Replica test: deals of the manager",
        "target_model": "crm.lead",
        "criterion_ids": [(0, 0, {
            "criterion_type": "salesperson", "user_ids": [(6, 0, [setup.manager_uid])],
        })],
    })
    setup.records = {
        "customer": customer, "leads": leads, "order": order, "ticket": ticket, "segment": segment,
    }


def create_manager(admin):
    group_ids = []
    for xmlid in MANAGER_GROUPS:
        module, name = xmlid.split(".")
        rows = admin.call(
            "ir.model.data", "search_read",
            [("module", "=", module), ("name", "=", name), ("model", "=", "res.groups")],
            ["res_id"],
        )
        assert rows, f"group {xmlid} not found"
        group_ids.append(rows[0]["res_id"])
    return admin.call("res.users", "create", {
        "name": "Replica Test Manager",
        "login": MANAGER_LOGIN,
        "password": MANAGER_PASSWORD,
        "groups_id": [(6, 0, group_ids)],
    })


@pytest.fixture(scope="module")
def replica_setup(odoo_runtime, db_suffix):
    """Primary and standby, the suite installed, Odoo serving with the replica, and
    the manager's records replayed on the standby."""
    database = f"repl_{db_suffix}"
    with StreamingReplica() as replica:
        install_suite(odoo_runtime, replica, database)
        replica.log_primary_statements()

        # CRM_SUITE_REPLICA_HTTP_PORT pins the port where only some ports may be used.
        port = int(os.environ.get("CRM_SUITE_REPLICA_HTTP_PORT") or free_port())
        base_url = f"http://127.0.0.1:{port}"
        odoo_log = os.path.join(replica.root, "odoo.log")
        command = odoo_command(
            replica.primary_connection(), odoo_runtime.package_dir, database,
            f"--db_replica_host={replica.standby.socket}",
            f"--db_replica_port={replica.standby.port}",
            "--http-port", str(port), "--workers=0", "--max-cron-threads=0",
            f"--logfile={odoo_log}",
            data_dir=replica.odoo_data,
        )
        process = subprocess.Popen(command, env=odoo_runtime.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.STDOUT)
        try:
            wait_for_server(base_url, process, odoo_log)
            setup = ReplicaSetup(replica, base_url, database, odoo_log)

            admin = JsonRpcClient(base_url)
            admin.login(database, "admin", "admin")
            setup.manager_uid = create_manager(admin)
            # The standby checks the session of every read-only request, so the
            # new user must be there before the first one.
            replica.wait_for_replay()
            setup.manager = JsonRpcClient(base_url)
            setup.manager.login(database, MANAGER_LOGIN, MANAGER_PASSWORD)
            create_report_records(setup)
            replica.wait_for_replay()
            yield setup
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_replica_is_streaming_standby(replica_setup):
    replica = replica_setup.replica
    assert replica.query_standby("SELECT pg_is_in_recovery()") == [(True,)]
    senders = replica.query_primary("SELECT state, sync_state FROM pg_stat_replication")
    assert senders == [("streaming", "async")]
    leads = replica.query_standby(
        "SELECT count(*) FROM crm_lead WHERE user_id = %s",
        [replica_setup.manager_uid],
        database=replica_setup.database,
    )
    assert leads == [(3,)], "the standby has not replayed the manager's opportunities"


def test_replica_serves_forecast(replica_setup):
    manager, uid = replica_setup.manager, replica_setup.manager_uid

    def read_forecast(marker):
        return manager.call(
            "crm.forecast.report", "web_read_group",
            [("user_id", "=", uid), ("row_type", "=", "deal"), ("id", "!=", marker)],
            ["expected_revenue:sum", "deal_count:sum"], ["user_id"],
        )

    result, served = replica_setup.read_where_served(read_forecast)

    served.assert_replica_only("crm_forecast_report")
    assert result["length"] == 1
    assert result["groups"][0]["expected_revenue"] == 20000.0
    assert result["groups"][0]["deal_count"] == 3


def test_replica_serves_quote_to_cash(replica_setup):
    manager, order = replica_setup.manager, replica_setup.records["order"]

    def read_quote_to_cash(marker):
        return manager.call(
            "crm.quote.to.cash.report", "web_read_group",
            [("order_id", "=", order), ("id", "!=", marker)],
            ["amount_ordered:sum", "amount_invoiced:sum"], ["order_id"],
        )

    result, served = replica_setup.read_where_served(read_quote_to_cash)

    served.assert_replica_only("crm_quote_to_cash_report")
    assert result["length"] == 1
    assert result["groups"][0]["amount_ordered"] == 1000.0
    assert result["groups"][0]["amount_invoiced"] == 0.0


def test_replica_serves_sla_report(replica_setup):
    manager, customer = replica_setup.manager, replica_setup.records["customer"]

    def read_sla_pivot(marker):
        # The pivot and graph views call read_group; the grouped list calls web_read_group.
        return manager.call(
            "crm.helpdesk.report", "read_group",
            [("commercial_partner_id", "=", customer), ("id", "!=", marker)],
            ["ticket_count:sum", "open_count:sum", "sla_breached_count:sum"], ["priority"],
        )

    groups, served = replica_setup.read_where_served(read_sla_pivot)

    served.assert_replica_only("crm_helpdesk_report")
    assert len(groups) == 1
    assert groups[0]["ticket_count"] == 1
    assert groups[0]["open_count"] == 1
    assert groups[0]["sla_breached_count"] == 0


def test_replica_serves_segment_count(replica_setup):
    manager, segment = replica_setup.manager, replica_setup.records["segment"]

    def read_segment_list(marker):
        return manager.call(
            "crm.segment", "web_search_read",
            [("id", "=", segment), ("id", "!=", marker)],
            {"name": {}, "member_count": {}},
        )

    result, served = replica_setup.read_where_served(read_segment_list)

    served.assert_replica_only("crm_segment")
    assert result["length"] == 1
    assert result["records"][0]["member_count"] == 3


def test_replica_serves_sales_dashboard(replica_setup):
    """The dashboard's RPC method runs on the replica only when it is marked @api.readonly."""
    manager = replica_setup.manager

    data, served = replica_setup.read_where_served(
        lambda marker: manager.call("crm.pipeline.dashboard", "get_dashboard_data")
    )

    served.assert_table_read_on_replica_only("crm_pipeline_analysis")
    assert data["summary"]["open_count"] == 3
    assert data["summary"]["pipeline_revenue"] == 20000.0


def test_replica_write_goes_to_primary(replica_setup):
    replica, manager = replica_setup.replica, replica_setup.manager
    lead = replica_setup.records["leads"][0]
    primary_offset = replica.primary.log_size()
    standby_offset = replica.standby.log_size()

    manager.call("crm.lead", "write", [lead], {"expected_revenue": 15000})

    updates = [
        entry for entry in replica.primary.log_entries(primary_offset)
        if 'UPDATE "crm_lead"' in entry and "15000" in entry
    ]
    assert updates, "the write of the opportunity did not reach the primary"
    assert 'UPDATE "crm_lead"' not in replica.standby.read_log(standby_offset)

    replica.wait_for_replay()
    row = replica.query_standby(
        "SELECT expected_revenue FROM crm_lead WHERE id = %s", [lead],
        database=replica_setup.database,
    )
    assert float(row[0][0]) == 15000.0


def test_replica_reads_without_retry(replica_setup):
    """No read-only request of the whole module had to be run again on the primary."""
    with open(replica_setup.odoo_log, encoding="utf-8") as log:
        retries = [line for line in log if RETRY_WARNING in line]
    assert not retries, "read-only requests that wrote:\n" + "".join(retries[:10])


def test_replica_server_logs_no_errors(replica_setup):
    with open(replica_setup.odoo_log, encoding="utf-8") as log:
        errors = summarize_odoo_log(log.readlines())["error_lines"]
    assert not errors, "Odoo logged errors while serving:\n" + "\n".join(errors[:10])
