#!/usr/bin/env python3
"""Benchmarks of crm_pipeline: quarterly forecast and the pipeline's first load over HTTP.

    python3 benchmarks/bench_crm_pipeline.py --database NAME --scale 10000

runs these benchmarks alone through the harness (see harness.py):

* the forecast per quarter, salesperson and team as the pivot view reads it
  (``crm.forecast.report._read_group``, as a sales manager of both companies),
  against one hand-written SQL query computing the same figures;
* the first load of the pipeline kanban and list of a salesperson through a
  real Odoo server on 127.0.0.1: log in, fetch the /odoo action page, load the
  views, then issue the JSON-RPC calls the views make (web_read_group,
  read_progress_bar and one web_search_read per column; web_search_read of the
  first list page). The server's own request log gives the query counts.
"""

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import BENCH_PASSWORD, REPO, Result, measure, view_specification

MEASURES = [
    "weighted_revenue",
    "commit_revenue",
    "best_case_revenue",
    "won_revenue",
    "target_amount",
    "gap",
    "deal_count",
]
FORECAST_RUNS = 5
# Records per kanban column and per list page, as the web client asks for them.
KANBAN_LIMIT = 40
LIST_LIMIT = 80
SERVER_START_TIMEOUT = 180
REQUEST_LOG = re.compile(
    r'"(?:GET|POST) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) - (?P<queries>\d+) '
)

# The same figures as crm.forecast.report, written by hand as one query: the
# lead amounts converted at the closing date (won) or today (open), targets
# at today's rate, grouped by quarter of the forecast date, user and team.
HAND_WRITTEN_FORECAST = """
WITH rate_at AS (
    SELECT lead.id AS lead_id,
           CASE WHEN company.currency_id = %(currency)s THEN 1.0 ELSE
               COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = %(currency)s
                            AND (r.company_id = %(company)s OR r.company_id IS NULL)
                            AND r.name <= LEAST(COALESCE(lead.date_closed::date, CURRENT_DATE),
                                                CURRENT_DATE)
                          ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1), 1.0)
             / COALESCE((SELECT r.rate FROM res_currency_rate r
                          WHERE r.currency_id = company.currency_id
                            AND (r.company_id = %(company)s OR r.company_id IS NULL)
                            AND r.name <= LEAST(COALESCE(lead.date_closed::date, CURRENT_DATE),
                                                CURRENT_DATE)
                          ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1), 1.0)
           END AS factor
      FROM crm_lead lead
      JOIN res_company company ON company.id = lead.company_id
     WHERE lead.active AND lead.type = 'opportunity'
),
rows AS (
    SELECT CASE WHEN stage.is_won THEN (lead.date_closed AT TIME ZONE 'UTC')::date
                ELSE lead.date_deadline END AS forecast_date,
           lead.user_id, lead.team_id,
           CASE WHEN stage.is_won THEN 0
                ELSE lead.expected_revenue * lead.probability / 100.0 * rate_at.factor
           END AS weighted,
           CASE WHEN stage.is_won IS NOT TRUE AND lead.crm_forecast_category = 'commit'
                THEN lead.expected_revenue * rate_at.factor ELSE 0 END AS commit_amount,
           CASE WHEN stage.is_won IS NOT TRUE
                     AND lead.crm_forecast_category IN ('commit', 'best_case')
                THEN lead.expected_revenue * rate_at.factor ELSE 0 END AS best_case,
           CASE WHEN stage.is_won THEN lead.expected_revenue * rate_at.factor ELSE 0 END AS won,
           0.0 AS target,
           1 AS deals
      FROM crm_lead lead
      JOIN crm_stage stage ON stage.id = lead.stage_id
      JOIN rate_at ON rate_at.lead_id = lead.id
    UNION ALL
    SELECT target.date_start, target.user_id, target.team_id, 0, 0, 0, 0,
           CASE WHEN target.user_id IS NULL THEN 0 ELSE target.amount END, 0
      FROM crm_forecast_target target
)
SELECT date_trunc('quarter', forecast_date)::date, user_id, team_id,
       SUM(weighted), SUM(commit_amount), SUM(best_case), SUM(won),
       SUM(target), SUM(target) - SUM(won), SUM(deals)
  FROM rows
 GROUP BY 1, 2, 3
"""


def bench_forecast(ctx):
    env = ctx.env
    manager = env["res.users"].search([("login", "=", ctx.data["manager_login"])])
    manager_env = env(
        user=manager.id, context={"allowed_company_ids": manager.company_ids.ids, "tz": "UTC"}
    )

    def orm():
        rows = manager_env["crm.forecast.report"]._read_group(
            [], ["date:quarter", "user_id", "team_id"], [f"{name}:sum" for name in MEASURES]
        )
        return {
            (start, user.id or None, team.id or None): values for start, user, team, *values in rows
        }

    def sql():
        env.cr.execute(
            HAND_WRITTEN_FORECAST,
            {
                "currency": manager_env.company.currency_id.id,
                "company": manager_env.company.root_id.id,
            },
        )
        return {(start, user, team): values for start, user, team, *values in env.cr.fetchall()}

    orm()
    sql()
    orm_run = measure(orm, repeat=FORECAST_RUNS, before=env.invalidate_all)
    sql_run = measure(sql, repeat=FORECAST_RUNS)
    differences = 0
    for key in orm_run.result.keys() | sql_run.result.keys():
        left, right = orm_run.result.get(key), sql_run.result.get(key)
        if (
            left is None
            or right is None
            or any(abs((a or 0) - (b or 0)) > 0.01 for a, b in zip(left, right, strict=True))
        ):
            differences += 1
    deals = sum(values[MEASURES.index("deal_count")] or 0 for values in orm_run.result.values())
    return [
        Result(
            "Quarterly forecast (pivot read_group)",
            orm_run.seconds,
            orm_run.queries,
            orm_run.peak_mb,
            "one hand-written SQL query",
            sql_run.seconds,
            {"groups": len(orm_run.result), "differing_groups": differences, "deals": int(deals)},
        )
    ]


class OdooServer:
    """An Odoo server on 127.0.0.1 for one database, logging its requests to a file."""

    def __init__(self, ctx, port):
        self.ctx = ctx
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(tempfile.mkdtemp(prefix="crm-bench-"), "odoo.log")
        self.process = None

    def __enter__(self):
        database = self.ctx.database
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "odoo",
                *self.ctx.flags,
                "-d",
                database,
                f"--db-filter=^{re.escape(database)}$",
                "--http-interface=127.0.0.1",
                f"--http-port={self.port}",
                "--max-cron-threads=0",
                "--workers=0",
                f"--logfile={self.log_path}",
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"The Odoo server stopped; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/web/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"The Odoo server did not respond within {SERVER_START_TIMEOUT} s;"
                    f" see {self.log_path}"
                )
            time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_offset(self):
        return os.path.getsize(self.log_path)

    def request_queries(self, offset):
        """Return the SQL query count of each request logged after ``offset``."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            return [
                (match["path"], int(match["queries"]))
                for match in map(REQUEST_LOG.search, handle)
                if match
            ]


class Session:
    """A logged-in web client session: cookies and JSON-RPC calls."""

    def __init__(self, server):
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.server.url + path, timeout=120) as response:
            return response.status, response.read()

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        request = urllib.request.Request(
            self.server.url + path, data=body, headers={"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=120) as response:
            reply = json.loads(response.read())
        if "error" in reply:
            raise RuntimeError(f"{path}: {reply['error']['data']['message']}")
        return reply["result"]

    def call_kw(self, model, method, args, kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )


def first_load(session, context, view_type):
    """Do what the web client does to show the salesperson's pipeline in ``view_type``."""
    status, _page = session.get("/odoo/action-crm.crm_lead_action_pipeline")
    assert status == 200, status
    action = session.rpc("/web/action/load", {"action_id": "crm.crm_lead_action_pipeline"})
    views = session.call_kw(
        "crm.lead",
        "get_views",
        [],
        {
            "views": [[False, "kanban"], [False, "list"], [False, "form"], [False, "search"]],
            "options": {"action_id": action["id"], "load_filters": True, "toolbar": True},
            "context": context,
        },
    )
    fields = views["models"]["crm.lead"]["fields"]
    spec = view_specification(views["views"][view_type]["arch"], fields)
    domain = [["type", "=", "opportunity"], ["user_id", "=", context["uid"]]]
    if view_type == "list":
        result = session.call_kw(
            "crm.lead",
            "web_search_read",
            [],
            {
                "domain": domain,
                "specification": spec,
                "limit": LIST_LIMIT,
                "count_limit": 10001,
                "context": context,
            },
        )
        return result["length"], len(result["records"])
    groups = session.call_kw(
        "crm.lead",
        "web_read_group",
        [],
        {
            "domain": domain,
            "fields": ["expected_revenue:sum"],
            "groupby": ["stage_id"],
            "lazy": True,
            "context": context,
        },
    )
    session.call_kw(
        "crm.lead",
        "read_progress_bar",
        [],
        {
            "domain": domain,
            "group_by": "stage_id",
            "progress_bar": {
                "field": "activity_state",
                "colors": {"planned": "success", "today": "warning", "overdue": "danger"},
                "sum_field": "expected_revenue",
            },
            "context": context,
        },
    )
    shown = total = 0
    for group in groups["groups"]:
        stage_id = group["stage_id"][0] if group["stage_id"] else False
        result = session.call_kw(
            "crm.lead",
            "web_search_read",
            [],
            {
                "domain": domain + [["stage_id", "=", stage_id]],
                "specification": spec,
                "limit": KANBAN_LIMIT,
                "context": context,
            },
        )
        shown += len(result["records"])
        total += group["stage_id_count"]
    return total, shown


def bench_first_load(ctx):
    login = ctx.data["salesperson_login"]
    results = []
    with OdooServer(ctx, ctx.http_port) as server:
        session = Session(server)
        info = session.rpc(
            "/web/session/authenticate",
            {"db": ctx.database, "login": login, "password": BENCH_PASSWORD},
        )
        context = {**info["user_context"], "uid": info["uid"]}
        # The first request of each kind warms the server's caches (views, assets).
        first_load(session, context, "kanban")
        first_load(session, context, "list")
        for view_type in ("kanban", "list"):
            offset = server.log_offset()
            started = time.perf_counter()
            total, shown = first_load(session, context, view_type)
            elapsed = time.perf_counter() - started
            time.sleep(0.2)
            requests = server.request_queries(offset)
            results.append(
                Result(
                    f"Pipeline first load, {view_type}, salesperson (HTTP)",
                    elapsed,
                    sum(queries for _path, queries in requests),
                    None,
                    "target 1 s",
                    1.0,
                    {"opportunities": total, "shown": shown, "requests": len(requests)},
                )
            )
    return results


BENCHMARKS = {
    "forecast": bench_forecast,
    "first_load": bench_first_load,
}

if __name__ == "__main__":
    from harness import main

    sys.exit(main(["--only", ",".join(BENCHMARKS), *sys.argv[1:]]))
