"""Shared parts of the benchmarks: Odoo flags, database setup, measurement and data.

The scripts find Odoo and PostgreSQL the way `suite.py` does: the importable
`odoo` package (or ODOO_SOURCE) and the PG* variables, or the suite's private
cluster, which is started when no server accepts connections.

``generate_data`` fills a database that has the five modules installed with a
reproducible data set shaped like the Maven CRM pipeline (stage shares, deal
values, sales agents, regional teams, accounts and products), scaled to
``scale`` opportunities. Everything but the sales orders is written by SQL;
orders, deliveries, invoices, credit notes and payments go through the ORM so
that their amounts and links are what Odoo computes.
"""

import csv
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
# suite.py accepts an Odoo source tree named by ODOO_SOURCE; the scripts import
# odoo themselves, so that tree must be on their path too.
if os.environ.get("ODOO_SOURCE") and os.environ["ODOO_SOURCE"] not in sys.path:
    sys.path.insert(0, os.environ["ODOO_SOURCE"])

from suitetools import pg  # noqa: E402
from suitetools.odoo import SUITE_MODULES, addons_path, locate_odoo  # noqa: E402

# Rows per INSERT statement while filling the database.
INSERT_CHUNK = 5000
# Sales orders created and committed together through the ORM.
ORDER_CHUNK = 200
# Related documents of the two customers of the 360° view benchmark, per kind.
SMALL_CUSTOMER_DOCUMENTS = {"leads": 4, "messages": 4, "tickets": 1, "activities": 1}
LARGE_CUSTOMER_DOCUMENTS = {"leads": 4000, "messages": 4000, "tickets": 1000, "activities": 1000}
COUNTRY_CODES = ["DE", "AT", "CH", "FR", "US"]
FIRST_NAMES = ["Anna", "Jonas", "Lea", "Lukas", "Marie", "Paul", "Sophie", "Felix", "Emma", "Jörg"]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
]
# Maven deal stage -> xml id of the crm_pipeline stage the generator puts it in.
MAVEN_STAGES = {
    "Prospecting": ["crm_pipeline.stage_lead"],
    "Engaging": [
        "crm_pipeline.stage_qualified",
        "crm_pipeline.stage_quote",
        "crm_pipeline.stage_negotiation",
    ],
    "Won": ["crm_pipeline.stage_won"],
    "Lost": ["crm_pipeline.stage_lead", "crm_pipeline.stage_qualified"],
}
# Syllables of the invented company and family names.
SYLLABLES = [
    "ka",
    "lo",
    "mer",
    "ti",
    "ra",
    "bex",
    "sun",
    "dor",
    "vil",
    "ne",
    "to",
    "gra",
    "fen",
    "hol",
    "mu",
    "zan",
    "pe",
    "rik",
    "sol",
    "ur",
    "wa",
    "ber",
    "lin",
    "os",
    "ta",
    "ven",
    "qui",
    "da",
]
BENCH_PASSWORD = "bench-password"
BENCH_MANAGER_LOGIN = "bench_manager"


# ----------------------------------------------------------------------
# Odoo and PostgreSQL
# ----------------------------------------------------------------------


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


def maven_folder():
    """Return the folder of the Maven CRM sample: CRM_SUITE_DATA or ../shared/data/maven_crm."""
    folder = os.environ.get("CRM_SUITE_DATA") or os.path.join(
        os.path.dirname(REPO), "shared", "data", "maven_crm"
    )
    if not os.path.isfile(os.path.join(folder, "sales_pipeline.csv")):
        sys.exit(
            f"Maven CRM sample data not found: no sales_pipeline.csv in {folder}. "
            "Set CRM_SUITE_DATA to its folder."
        )
    return folder


def read_maven_csv(name):
    with open(os.path.join(maven_folder(), name), newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def load_account_names():
    return [row["account"] for row in read_maven_csv("accounts.csv")]


def install_database(database, flags, modules=SUITE_MODULES):
    """Create ``database`` with ``modules`` installed, without demo data."""
    print(f"Installing {', '.join(modules)} into {database} (a few minutes)...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *flags,
            "-d",
            database,
            "-i",
            ",".join(modules),
            "--without-demo=all",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--no-http",
            "--log-level=warn",
        ],
        cwd=REPO,
        check=True,
    )


def insert_rows(cr, table, columns, rows):
    """Insert ``rows`` (tuples in ``columns`` order) in chunks; return the new ids."""
    from psycopg2.extras import execute_values

    ids = []
    for start in range(0, len(rows), INSERT_CHUNK):
        result = execute_values(
            cr._obj,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s RETURNING id",
            rows[start : start + INSERT_CHUNK],
            page_size=INSERT_CHUNK,
            fetch=True,
        )
        ids.extend(row[0] for row in result)
    return ids


# ----------------------------------------------------------------------
# Measurement
# ----------------------------------------------------------------------


def _reset_peak_memory():
    # Writing 5 to clear_refs resets the peak resident set size (VmHWM) of the process.
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _peak_memory_mb():
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


@dataclass
class Measurement:
    seconds: float
    queries: int
    peak_mb: float | None
    result: object = None


def measure(function, repeat=1, before=None):
    """Run ``function`` ``repeat`` times; return the median time and the last run's figures.

    ``before`` runs ahead of each timed run, outside the measurement (to clear
    caches or reset state). Queries are counted by Odoo's global counter, so
    every cursor of the process counts. Peak memory is the resident set size
    high-water mark of the process during the runs.
    """
    import odoo.sql_db

    times = []
    result = queries = None
    _reset_peak_memory()
    for _run in range(repeat):
        if before:
            before()
        queries_before = odoo.sql_db.sql_counter
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
        queries = odoo.sql_db.sql_counter - queries_before
    return Measurement(statistics.median(times), queries, _peak_memory_mb(), result)


@dataclass
class Result:
    """One row of the results table."""

    name: str
    seconds: float
    queries: int | None = None
    peak_mb: float | None = None
    baseline: str = ""
    baseline_seconds: float | None = None
    figures: dict = field(default_factory=dict)

    @property
    def ratio(self):
        if self.baseline_seconds:
            return self.seconds / self.baseline_seconds
        return None

    def as_dict(self):
        return {
            "name": self.name,
            "seconds": self.seconds,
            "queries": self.queries,
            "peak_mb": self.peak_mb,
            "baseline": self.baseline,
            "baseline_seconds": self.baseline_seconds,
            "ratio": self.ratio,
            "figures": self.figures,
        }


# ----------------------------------------------------------------------
# Data generator
# ----------------------------------------------------------------------


def maven_shape():
    """Return the figures of the Maven pipeline the generator follows."""
    pipeline = read_maven_csv("sales_pipeline.csv")
    stages = Counter(row["deal_stage"] for row in pipeline)
    won_values = [float(row["close_value"]) for row in pipeline if row["deal_stage"] == "Won"]
    products = {row["product"]: float(row["sales_price"]) for row in read_maven_csv("products.csv")}
    teams = read_maven_csv("sales_teams.csv")
    return {
        "rows": len(pipeline),
        "stage_shares": {stage: count / len(pipeline) for stage, count in stages.items()},
        "won_values": won_values,
        "products": products,
        "agents": [(row["sales_agent"], row["regional_office"]) for row in teams],
        "accounts": [row["account"] for row in read_maven_csv("accounts.csv")],
    }


def sizes(scale):
    """Return how many records of each kind the generator creates for ``scale``."""
    return {
        "opportunities": scale,
        "companies": max(20, scale // 10),
        "contacts": max(50, scale // 4),
        "duplicates_per_kind": max(2, scale // 500),
        "score_events": scale // 2,
        "orders": max(20, scale // 40),
        "tickets": max(20, scale // 20),
        "messages": scale,
        "activities": max(10, scale // 10),
        "tracking_events": max(10, scale // 5),
    }


class Generator:
    """Generator of the benchmark data set in one database; ``summary`` counts what it created."""

    def __init__(self, env, scale, seed):
        self.env = env
        self.cr = env.cr
        self.scale = scale
        self.rng = random.Random(seed)
        self.sizes = sizes(scale)
        self.shape = maven_shape()
        self.now = datetime(2026, 1, 15, 10, 0, 0)
        self.summary = {"scale": scale, "seed": seed, "sizes": self.sizes}
        self.used_names = set()

    def run(self):
        started = time.perf_counter()
        steps = [
            self._configure,
            self._partners,
            self._opportunities,
            self._score_events,
            self._communication,
            self._marketing,
            self._tickets,
            self._customers_360,
            self._orders,
        ]
        for step in steps:
            step_started = time.perf_counter()
            step()
            self.cr.commit()
            print(
                f"  {step.__name__.strip('_'):<16} {time.perf_counter() - step_started:7.1f} s",
                flush=True,
            )
        self.cr.execute("ANALYZE")
        self.summary["fill_seconds"] = time.perf_counter() - started
        self.env["ir.config_parameter"].set_param("crm_suite.bench_scale", str(self.scale))
        self.cr.commit()
        return self.summary

    # -- configuration: companies, currencies, users, teams, products ----

    def _configure(self):
        from odoo import Command

        env = self.env
        self.now = datetime.now().replace(microsecond=0)
        main_company = env.ref("base.main_company")
        euro = env.ref("base.EUR")
        if euro == main_company.currency_id:
            euro = env.ref("base.CHF")
        euro.active = True
        other_company = env["res.company"].create(
            {"name": "Bench Europe GmbH", "currency_id": euro.id}
        )
        today = date.today()
        env["res.currency.rate"].create(
            [
                {
                    "currency_id": euro.id,
                    "company_id": main_company.id,
                    "name": (today.replace(day=1) - timedelta(days=30 * months)).isoformat(),
                    "rate": round(0.85 + 0.01 * months, 4),
                }
                for months in range(30)
            ]
        )
        self.companies = [main_company, other_company]
        # Odoo's stock_sms texts the customer when a delivery is validated, through
        # Odoo's IAP service: the benchmark must send nothing outside this machine.
        companies = main_company | other_company
        if "stock_move_sms_validation" in companies._fields:
            companies.stock_move_sms_validation = False
        salesman = env.ref("sales_team.group_sale_salesman")
        manager_group = env.ref("sales_team.group_sale_manager")
        both = [Command.set([main_company.id, other_company.id])]
        Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True)
        agents = Users.create(
            [
                {
                    "name": name,
                    "login": "bench_" + name.lower().replace(" ", "_"),
                    "email": name.lower().replace(" ", ".") + "@bench.example",
                    "password": BENCH_PASSWORD,
                    "company_id": main_company.id,
                    "company_ids": both,
                    "groups_id": [Command.link(salesman.id)],
                }
                for name, _office in self.shape["agents"]
            ]
        )
        manager = Users.create(
            {
                "name": "Bench Sales Manager",
                "login": BENCH_MANAGER_LOGIN,
                "password": BENCH_PASSWORD,
                "company_id": main_company.id,
                "company_ids": both,
                "groups_id": [Command.link(manager_group.id)],
            }
        )
        offices = sorted({office for _name, office in self.shape["agents"]})
        teams = env["crm.team"].create(
            [{"name": f"Bench {office}", "company_id": False} for office in offices]
        )
        team_by_office = dict(zip(offices, teams, strict=True))
        self.agents = [
            (user.id, team_by_office[office].id)
            for user, (_name, office) in zip(agents, self.shape["agents"], strict=True)
        ]
        for user, (_name, office) in zip(agents, self.shape["agents"], strict=True):
            team_by_office[office].member_ids = [Command.link(user.id)]
        tax = env["account.tax"].search(
            [("type_tax_use", "=", "sale"), ("company_id", "=", main_company.id)], limit=1
        )
        self.products = env["product.product"].create(
            [
                {
                    "name": f"Bench {name}",
                    "default_code": f"BENCH-{index}",
                    "type": "consu" if index % 2 else "service",
                    "invoice_policy": "order",
                    "list_price": price,
                    "taxes_id": [Command.set(tax.ids)],
                }
                for index, (name, price) in enumerate(sorted(self.shape["products"].items()))
            ]
        )
        self.countries = env["res.country"].search([("code", "in", COUNTRY_CODES)])
        self.stages = {
            maven: [env.ref(xmlid).id for xmlid in xmlids] for maven, xmlids in MAVEN_STAGES.items()
        }
        self.summary.update(
            {
                "manager_login": manager.login,
                "salesperson_login": agents[0].login,
                "salesperson_id": agents[0].id,
                "agents": len(agents),
                "teams": len(teams),
                "other_company_id": other_company.id,
            }
        )

    # -- companies and contacts, with duplicates of known kinds ----------

    def _invented_name(self, suffix):
        """Return a new made-up name of two words ("Kalomer Tirabex AG"), never twice the same."""
        while True:
            words = [
                "".join(self.rng.choice(SYLLABLES) for _index in range(self.rng.randint(2, 3)))
                for _word in range(2)
            ]
            name = " ".join(word.capitalize() for word in words) + suffix
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def _partners(self):
        cr, rng, now = self.cr, self.rng, self.now
        partner = self.env["res.partner"]
        columns = [
            "name",
            "complete_name",
            "is_company",
            "active",
            "type",
            "email",
            "email_normalized",
            "phone",
            "crm_phone_normalized",
            "vat",
            "crm_vat_normalized",
            "country_id",
            "lang",
            "autopost_bills",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ]
        accounts = self.shape["accounts"]
        companies = []
        for index in range(self.sizes["companies"]):
            # The Maven accounts first, then invented names: numbered copies of a
            # few names would all look like duplicates of each other.
            name = accounts[index] if index < len(accounts) else self._invented_name(" AG")
            country = rng.choice(self.countries)
            phone = f"+49 89 {2000000 + index}"
            vat = f"DE{100000000 + index}"
            email = f"info@company{index}.example"
            companies.append(
                [
                    name,
                    name,
                    True,
                    True,
                    "contact",
                    email,
                    email,
                    phone,
                    partner._crm_normalize_phone(phone, country),
                    vat,
                    vat,
                    country.id,
                    "en_US",
                    "ask",
                    now,
                    now,
                    1,
                    1,
                ]
            )
        # Duplicates of known kinds, each a copy of a distinct original company.
        per_kind = self.sizes["duplicates_per_kind"]
        originals = rng.sample(range(len(companies)), 4 * per_kind)
        duplicates = []
        for kind_index, kind in enumerate(("email", "phone", "vat", "name")):
            for original_index in originals[kind_index * per_kind : (kind_index + 1) * per_kind]:
                original = companies[original_index]
                copy = list(original)
                copy[0] = copy[1] = self._invented_name(" GmbH")
                copy[5] = copy[6] = f"other{original_index}@{kind}.example"
                copy[7] = f"+1 555 {3000000 + original_index}"
                copy[8] = partner._crm_normalize_phone(copy[7], None)
                copy[9] = copy[10] = None
                if kind == "email":
                    copy[5] = original[5].upper()
                    copy[6] = original[6]
                elif kind == "phone":
                    copy[7] = original[7].replace(" ", "-").replace("+49-", "0049 ")
                    copy[8] = original[8]
                elif kind == "vat":
                    copy[9] = original[9][:2] + " " + original[9][2:]
                    copy[10] = original[10]
                else:
                    copy[0] = copy[1] = original[0].upper() + " GmbH"
                duplicates.append(copy)
        company_ids = insert_rows(cr, "res_partner", columns, companies + duplicates)
        self.company_ids = company_ids[: len(companies)]
        kinds = [kind for kind in ("email", "phone", "vat", "name") for _index in range(per_kind)]
        injected = [
            (company_ids[original_index], copy_id, kind)
            for original_index, copy_id, kind in zip(
                originals, company_ids[len(companies) :], kinds, strict=True
            )
        ]
        contacts = []
        for index in range(self.sizes["contacts"]):
            company_index = rng.randrange(len(companies))
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {self._invented_name('')}"
            email = f"{first}.{last}.{index}@company{company_index}.example".lower()
            contacts.append(
                (
                    name,
                    f"{companies[company_index][0]}, {name}",
                    False,
                    True,
                    "contact",
                    email,
                    email,
                    None,
                    None,
                    None,
                    None,
                    rng.choice(self.countries).id,
                    "en_US",
                    "ask",
                    now,
                    now,
                    1,
                    1,
                    self.company_ids[company_index],
                )
            )
        self.contact_ids = insert_rows(cr, "res_partner", columns + ["parent_id"], contacts)
        self.contact_emails = [row[6] for row in contacts]
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = COALESCE(parent_id, id) "
            "WHERE commercial_partner_id IS NULL"
        )
        self.summary["partners"] = {
            "companies": len(companies),
            "duplicates": len(duplicates),
            "contacts": len(contacts),
        }
        self.summary["duplicate_pairs"] = {
            kind: per_kind for kind in ("email", "phone", "vat", "name")
        }
        self.summary["injected_duplicates"] = injected

    # -- opportunities with stage history ----------------------------------

    def _lead_row(self, index, partner_id, email, maven_stage, user_id, team_id, company):
        rng, now = self.rng, self.now
        stage_id = rng.choice(self.stages[maven_stage])
        created = now - timedelta(days=rng.randrange(60, 730))
        closed = deadline = None
        category = "pipeline"
        active = maven_stage != "Lost"
        if maven_stage == "Won":
            revenue = rng.choice(self.shape["won_values"])
            probability = 100.0
            closed = created + timedelta(days=rng.randrange(1, 59))
            deadline = closed.date()
        elif maven_stage == "Lost":
            revenue = rng.choice(list(self.shape["products"].values()))
            probability = 0.0
            closed = created + timedelta(days=rng.randrange(1, 59))
        else:
            revenue = rng.choice(list(self.shape["products"].values()))
            probability = float(rng.choice([10, 25, 40, 50, 60, 75, 90]))
            deadline = now.date() + timedelta(days=rng.randrange(365))
            category = rng.choice(["pipeline", "best_case", "commit"])
        return (
            f"Bench deal {index}",
            "opportunity",
            active,
            company.id,
            team_id,
            stage_id,
            user_id,
            probability,
            probability,
            revenue,
            round(revenue * probability / 100.0, 2),
            partner_id,
            email,
            email,
            rng.choice(self.countries).id,
            created,
            closed,
            deadline,
            category,
            created,
            created,
            1,
            1,
            created,
        )

    LEAD_COLUMNS = [
        "name",
        "type",
        "active",
        "company_id",
        "team_id",
        "stage_id",
        "user_id",
        "probability",
        "automated_probability",
        "expected_revenue",
        "prorated_revenue",
        "partner_id",
        "email_from",
        "email_normalized",
        "country_id",
        "create_date",
        "date_closed",
        "date_deadline",
        "crm_forecast_category",
        "write_date",
        "date_open",
        "create_uid",
        "write_uid",
        "date_last_stage_update",
    ]

    def _insert_leads(self, rows):
        ids = insert_rows(self.cr, "crm_lead", self.LEAD_COLUMNS, rows)
        history = []
        for lead_id, row in zip(ids, rows, strict=True):
            created, closed, stage_id = row[15], row[16], row[5]
            first_stage = self.stages["Prospecting"][0]
            if stage_id == first_stage:
                history.append((lead_id, stage_id, created, closed, row[6], row[4], row[3]))
                continue
            moved = created + timedelta(days=1)
            history.append((lead_id, first_stage, created, moved, row[6], row[4], row[3]))
            history.append((lead_id, stage_id, moved, closed, row[6], row[4], row[3]))
        insert_rows(
            self.cr,
            "crm_lead_stage_history",
            [
                "lead_id",
                "stage_id",
                "date_entered",
                "date_left",
                "user_id",
                "team_id",
                "company_id",
                "origin",
                "is_current",
                "duration_days",
            ],
            [
                (
                    *row,
                    "backfill",
                    row[3] is None,
                    round((row[3] - row[2]).total_seconds() / 86400.0, 2) if row[3] else 0.0,
                )
                for row in history
            ],
        )
        return ids, len(history)

    def _opportunities(self):
        rng = self.rng
        shares = self.shape["stage_shares"]
        stage_names = sorted(shares)
        weights = [shares[name] for name in stage_names]
        rows, per_stage = [], Counter()
        for index in range(self.sizes["opportunities"]):
            maven_stage = rng.choices(stage_names, weights)[0]
            per_stage[maven_stage] += 1
            contact = rng.randrange(len(self.contact_ids))
            user_id, team_id = rng.choice(self.agents)
            company = self.companies[1] if index % 5 == 0 else self.companies[0]
            rows.append(
                self._lead_row(
                    index,
                    self.contact_ids[contact],
                    self.contact_emails[contact],
                    maven_stage,
                    user_id,
                    team_id,
                    company,
                )
            )
        self.lead_ids, history = self._insert_leads(rows)
        self.won_lead_ids = [
            lead_id
            for lead_id, row in zip(self.lead_ids, rows, strict=True)
            if row[5] in self.stages["Won"] and row[3] == self.companies[0].id
        ]
        self.summary["opportunities"] = dict(sorted(per_stage.items()))
        self.summary["stage_history_rows"] = history
        self.summary["salesperson_opportunities"] = sum(
            1 for row in rows if row[6] == self.summary["salesperson_id"] and row[2]
        )

    def _score_events(self):
        rng, now = self.rng, self.now
        event_types = [
            "email_open",
            "email_click",
            "website_visit",
            "download",
            "form_submit",
            "reply",
        ]
        rows = [
            (
                rng.choice(event_types),
                rng.choice(self.lead_ids),
                now - timedelta(days=rng.randrange(120), minutes=rng.randrange(1440)),
                now,
                now,
                1,
                1,
            )
            for _index in range(self.sizes["score_events"])
        ]
        insert_rows(
            self.cr,
            "crm_score_event",
            [
                "event_type",
                "lead_id",
                "occurred_at",
                "create_date",
                "write_date",
                "create_uid",
                "write_uid",
            ],
            rows,
        )
        self.cr.execute(
            """
            UPDATE crm_score_event e SET commercial_partner_id = p.commercial_partner_id
              FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
             WHERE l.id = e.lead_id AND e.commercial_partner_id IS NULL
            """
        )
        countries = {country.code: country.id for country in self.countries}
        self.env["crm.score.rule"].create(
            [
                {
                    "name": "Bench country DACH",
                    "points": 15,
                    "domain": str(
                        [("country_id", "in", [countries[c] for c in ("DE", "AT", "CH")])]
                    ),
                },
                {
                    "name": "Bench large deal",
                    "points": 20,
                    "domain": "[('expected_revenue', '>=', 3000)]",
                },
                {"name": "Bench has email", "points": 5, "domain": "[('email_from', '!=', False)]"},
                {
                    "name": "Bench clicks",
                    "rule_type": "event",
                    "event_type": "email_click",
                    "points": 10,
                    "decay_days": 30,
                    "max_points": 30,
                },
                {
                    "name": "Bench replies",
                    "rule_type": "event",
                    "event_type": "reply",
                    "points": 25,
                    "decay_days": 60,
                },
            ]
        )
        self.summary["score_events"] = len(rows)

    # -- mail messages and activities ----------------------------------------

    def _message_rows(self, model, res_ids, count, author_ids):
        rng, now = self.rng, self.now
        note = self.env.ref("mail.mt_note").id
        comment = self.env.ref("mail.mt_comment").id
        rows = []
        for index in range(count):
            is_email = index % 3 == 0
            rows.append(
                (
                    model,
                    res_ids[index % len(res_ids)],
                    "email" if is_email else "comment",
                    comment if is_email else note,
                    f"<p>Bench message {index}</p>",
                    f"Bench subject {index}",
                    rng.choice(author_ids),
                    now - timedelta(days=rng.randrange(365), minutes=rng.randrange(1440)),
                    now,
                    now,
                    1,
                    1,
                )
            )
        return rows

    MESSAGE_COLUMNS = [
        "model",
        "res_id",
        "message_type",
        "subtype_id",
        "body",
        "subject",
        "author_id",
        "date",
        "create_date",
        "write_date",
        "create_uid",
        "write_uid",
    ]

    def _activity_rows(self, model, res_ids, count):
        rng, now = self.rng, self.now
        model_id = self.env["ir.model"]._get_id(model)
        activity_type = self.env.ref("mail.mail_activity_data_call").id
        return [
            (
                model_id,
                model,
                res_ids[index % len(res_ids)],
                activity_type,
                rng.choice(self.agents)[0],
                (now + timedelta(days=rng.randrange(-10, 30))).date(),
                f"Bench call {index}",
                True,
                now,
                now,
                1,
                1,
            )
            for index in range(count)
        ]

    ACTIVITY_COLUMNS = [
        "res_model_id",
        "res_model",
        "res_id",
        "activity_type_id",
        "user_id",
        "date_deadline",
        "summary",
        "active",
        "create_date",
        "write_date",
        "create_uid",
        "write_uid",
    ]

    def _communication(self):
        self.cr.execute(
            "SELECT partner_id FROM res_users WHERE id = ANY(%s)", [[a[0] for a in self.agents]]
        )
        author_ids = [row[0] for row in self.cr.fetchall()]
        self.author_ids = author_ids
        messages = self._message_rows("crm.lead", self.lead_ids, self.sizes["messages"], author_ids)
        insert_rows(self.cr, "mail_message", self.MESSAGE_COLUMNS, messages)
        activities = self._activity_rows("crm.lead", self.lead_ids, self.sizes["activities"])
        insert_rows(self.cr, "mail_activity", self.ACTIVITY_COLUMNS, activities)
        self.summary["messages"] = len(messages)
        self.summary["activities"] = len(activities)

    # -- mailing traces, tracking events, blocklist and opt-outs ----------

    def _marketing(self):
        cr, rng, now, env = self.cr, self.rng, self.now, self.env
        tag = env["res.partner.category"].create({"name": "Bench VIP"})
        mailing_list = env["mailing.list"].create({"name": "Bench newsletter"})
        cr.execute(
            "INSERT INTO res_partner_res_partner_category_rel (partner_id, category_id)"
            " SELECT id, %s FROM res_partner WHERE id = ANY(%s) AND id %% 3 = 0",
            [tag.id, self.contact_ids],
        )
        mailing = env["mailing.mailing"].create(
            {"subject": "Bench mailing", "mailing_model_id": env["ir.model"]._get_id("res.partner")}
        )
        traces = []
        for partner_id, email in zip(self.contact_ids, self.contact_emails, strict=True):
            if rng.random() > 0.6:
                continue
            opened = now - timedelta(days=rng.randrange(90)) if rng.random() < 0.5 else None
            clicked = opened if opened and rng.random() < 0.3 else None
            traces.append(
                (
                    mailing.id,
                    "res.partner",
                    partner_id,
                    email,
                    "open" if opened else "sent",
                    "mail",
                    now - timedelta(days=90),
                    opened,
                    clicked,
                    now,
                    now,
                    1,
                    1,
                )
            )
        insert_rows(
            cr,
            "mailing_trace",
            [
                "mass_mailing_id",
                "model",
                "res_id",
                "email",
                "trace_status",
                "trace_type",
                "sent_datetime",
                "open_datetime",
                "links_click_datetime",
                "create_date",
                "write_date",
                "create_uid",
                "write_uid",
            ],
            traces,
        )
        events = [
            (
                "website_visit",
                rng.choice(self.contact_ids),
                rng.choice(["https://shop.example/pricing", "https://shop.example/blog"]),
                now - timedelta(days=rng.randrange(60)),
                now,
                now,
                1,
                1,
            )
            for _index in range(self.sizes["tracking_events"])
        ]
        insert_rows(
            cr,
            "crm_tracking_event",
            [
                "event_type",
                "partner_id",
                "url",
                "occurred_at",
                "create_date",
                "write_date",
                "create_uid",
                "write_uid",
            ],
            events,
        )
        blocked = rng.sample(self.contact_emails, max(1, len(self.contact_emails) // 100))
        insert_rows(
            cr,
            "mail_blacklist",
            ["email", "active", "create_date", "write_date", "create_uid", "write_uid"],
            [(email, True, now, now, 1, 1) for email in blocked],
        )
        opted_out = rng.sample(self.contact_emails, max(1, len(self.contact_emails) // 50))
        contact_ids = insert_rows(
            cr,
            "mailing_contact",
            [
                "name",
                "email",
                "email_normalized",
                "create_date",
                "write_date",
                "create_uid",
                "write_uid",
            ],
            [(email, email, email, now, now, 1, 1) for email in opted_out],
        )
        insert_rows(
            cr,
            "mailing_subscription",
            [
                "contact_id",
                "list_id",
                "opt_out",
                "create_date",
                "write_date",
                "create_uid",
                "write_uid",
            ],
            [(contact_id, mailing_list.id, True, now, now, 1, 1) for contact_id in contact_ids],
        )
        self.summary.update(
            {
                "tag_id": tag.id,
                "mailing_list_id": mailing_list.id,
                "mailing_traces": len(traces),
                "tracking_events": len(events),
            }
        )

    # -- tickets with SLA policies ------------------------------------------

    def _helpdesk_setup(self):
        from odoo import Command

        env = self.env
        agents = env["res.users"].browse([agent[0] for agent in self.agents[:5]])
        agents.groups_id = [Command.link(env.ref("crm_helpdesk.group_helpdesk_user").id)]
        team = env["crm.helpdesk.team"].create(
            {
                "name": "Bench Support",
                "member_ids": [Command.set(agents.ids)],
                "leader_id": agents[0].id,
                "manager_id": env.ref("base.user_admin").id,
            }
        )
        policy = env["crm.helpdesk.sla"].create(
            {
                "name": "Bench SLA",
                "team_ids": [Command.set(team.ids)],
                "first_response_hours": 4.0,
                "resolution_hours": 16.0,
                "at_risk_percent": 80.0,
                "manager_escalation_hours": 4.0,
            }
        )
        self.helpdesk = (team, policy)
        return team, policy

    TICKET_COLUMNS = [
        "number",
        "name",
        "company_id",
        "priority",
        "channel",
        "date_open",
        "stage_id",
        "is_closed",
        "is_waiting",
        "team_id",
        "user_id",
        "partner_id",
        "commercial_partner_id",
        "active",
        "time_spent",
        "planned_hours",
        "first_response_hours",
        "resolution_hours",
        "create_date",
        "write_date",
        "create_uid",
        "write_uid",
    ]

    def _ticket_rows(self, prefix, count, customer_ids, open_share):
        rng, now = self.rng, self.now
        team, _policy = self.helpdesk
        open_stage = self.env.ref("crm_helpdesk.stage_in_progress").id
        closed_stage = self.env["crm.helpdesk.stage"].search([("is_closed", "=", True)], limit=1).id
        agents = team.member_ids.ids
        rows = []
        for index in range(count):
            customer = customer_ids[index % len(customer_ids)]
            is_open = rng.random() < open_share
            rows.append(
                (
                    f"{prefix}{index:07d}",
                    f"Bench ticket {prefix}{index}",
                    team.company_id.id,
                    rng.choice("0123"),
                    "email",
                    now - timedelta(hours=rng.randint(0, 72)),
                    open_stage if is_open else closed_stage,
                    not is_open,
                    False,
                    team.id,
                    rng.choice(agents),
                    customer,
                    customer,
                    True,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    now,
                    now,
                    1,
                    1,
                )
            )
        return rows

    def _tickets(self):
        team, policy = self._helpdesk_setup()
        rows = self._ticket_rows("BT", self.sizes["tickets"], self.company_ids, 0.7)
        ticket_ids = insert_rows(self.cr, "crm_helpdesk_ticket", self.TICKET_COLUMNS, rows)
        open_ids = [
            ticket_id for ticket_id, row in zip(ticket_ids, rows, strict=True) if not row[7]
        ]
        now = self.now
        lines = []
        for ticket_id, row in zip(ticket_ids, rows, strict=True):
            if row[7]:
                continue
            for target_type, hours in (("first_response", 4.0), ("resolution", 16.0)):
                lines.append(
                    (
                        ticket_id,
                        policy.id,
                        target_type,
                        team.company_id.id,
                        team.id,
                        row[12],
                        team.resource_calendar_id.id,
                        hours,
                        row[5],
                        now + timedelta(days=3),
                        now + timedelta(days=2),
                        now + timedelta(days=4),
                        "on_track",
                        0,
                        0.0,
                        now,
                        now,
                        1,
                        1,
                    )
                )
        insert_rows(
            self.cr,
            "crm_helpdesk_ticket_sla",
            [
                "ticket_id",
                "sla_id",
                "target_type",
                "company_id",
                "team_id",
                "partner_id",
                "calendar_id",
                "target_hours",
                "start_date",
                "deadline",
                "at_risk_date",
                "manager_date",
                "status",
                "escalation_level",
                "paused_hours",
                "create_date",
                "write_date",
                "create_uid",
                "write_uid",
            ],
            lines,
        )
        self.summary["tickets"] = {"total": len(rows), "open": len(open_ids)}
        self.summary["sla_lines"] = len(lines)

    # -- the two customers of the 360° view ---------------------------------

    def _customers_360(self):
        now = self.now
        for key, documents in (
            ("small", SMALL_CUSTOMER_DOCUMENTS),
            ("large", LARGE_CUSTOMER_DOCUMENTS),
        ):
            name = f"Bench 360 {key} customer"
            [partner_id] = insert_rows(
                self.cr,
                "res_partner",
                [
                    "name",
                    "complete_name",
                    "is_company",
                    "active",
                    "type",
                    "email",
                    "email_normalized",
                    "lang",
                    "autopost_bills",
                    "create_date",
                    "write_date",
                    "create_uid",
                    "write_uid",
                ],
                [
                    (
                        name,
                        name,
                        True,
                        True,
                        "contact",
                        f"{key}@customer360.example",
                        f"{key}@customer360.example",
                        "en_US",
                        "ask",
                        now,
                        now,
                        1,
                        1,
                    )
                ],
            )
            self.cr.execute(
                "UPDATE res_partner SET commercial_partner_id = id WHERE id = %s", [partner_id]
            )
            user_id, team_id = self.agents[0]
            stages = ["Won", "Prospecting", "Engaging", "Lost"]
            rows = [
                self._lead_row(
                    f"360 {key} {index}",
                    partner_id,
                    f"{key}@customer360.example",
                    stages[index % 4],
                    user_id,
                    team_id,
                    self.companies[0],
                )
                for index in range(documents["leads"])
            ]
            lead_ids, _history = self._insert_leads(rows)
            self.summary["salesperson_opportunities"] += sum(1 for row in rows if row[2])
            insert_rows(
                self.cr,
                "mail_message",
                self.MESSAGE_COLUMNS,
                self._message_rows(
                    "res.partner", [partner_id], documents["messages"], self.author_ids
                ),
            )
            insert_rows(
                self.cr,
                "mail_activity",
                self.ACTIVITY_COLUMNS,
                self._activity_rows("crm.lead", lead_ids, documents["activities"]),
            )
            insert_rows(
                self.cr,
                "crm_helpdesk_ticket",
                self.TICKET_COLUMNS,
                self._ticket_rows(f"C{key[0].upper()}", documents["tickets"], [partner_id], 0.5),
            )
            self.summary[f"customer_360_{key}"] = {
                "partner_id": partner_id,
                "documents": sum(documents.values()),
                "won_revenue": sum(row[9] for row in rows if row[5] in self.stages["Won"]),
            }

    # -- sales orders, deliveries, invoices, credit notes, payments ------

    def _orders(self):
        from odoo import Command

        env = self.env(
            context={
                "tracking_disable": True,
                "mail_notrack": True,
                "mail_create_nolog": True,
                "skip_sms": True,
            }
        )
        rng = self.rng
        customers = self.company_ids
        won = self.won_lead_ids
        totals = Counter()
        remaining = self.sizes["orders"]
        while remaining:
            size = min(ORDER_CHUNK, remaining)
            remaining -= size
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": rng.choice(customers),
                        "opportunity_id": rng.choice(won) if won and rng.random() < 0.5 else False,
                        "user_id": rng.choice(self.agents)[0],
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": rng.choice(self.products).id,
                                    "product_uom_qty": rng.randint(1, 5),
                                }
                            )
                            for _line in range(rng.randint(1, 3))
                        ],
                    }
                    for _index in range(size)
                ]
            )
            orders.action_confirm()
            totals["orders"] += len(orders)
            pickings = orders.picking_ids.filtered(lambda picking, rng=rng: rng.random() < 0.5)
            for move in pickings.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            pickings._action_done()
            totals["deliveries_done"] += len(pickings)
            to_invoice = orders.filtered(lambda order, rng=rng: rng.random() < 0.7)
            if not to_invoice:
                continue
            invoices = to_invoice._create_invoices()
            invoices.action_post()
            totals["invoices"] += len(invoices)
            credited = invoices.filtered(lambda invoice, rng=rng: rng.random() < 0.1)
            if credited:
                reversal = (
                    env["account.move.reversal"]
                    .with_context(active_model="account.move", active_ids=credited.ids)
                    .create({"journal_id": credited[0].journal_id.id, "reason": "Benchmark"})
                )
                reversal.refund_moves()
                refunds = env["account.move"].search(
                    [("reversed_entry_id", "in", credited.ids), ("state", "=", "draft")]
                )
                refunds.action_post()
                totals["credit_notes"] += len(refunds)
            to_pay = (invoices - credited).filtered(lambda invoice, rng=rng: rng.random() < 0.6)
            if to_pay:
                env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=to_pay.ids
                ).create({"group_payment": False})._create_payments()
                totals["paid_invoices"] += len(to_pay)
            self.cr.commit()
        self.summary["orders"] = dict(totals)


# ----------------------------------------------------------------------
# Views
# ----------------------------------------------------------------------


def view_specification(arch, fields):
    """Return the web_read specification the web client builds for a view.

    ``arch`` is the view's XML as get_views returns it and ``fields`` the
    field descriptions of its model. Fields inside sub-views (x2many lists)
    are left out; x2many fields read the display name of their first 40
    records, as the client does for an inline list.
    """
    from lxml import etree

    root = etree.fromstring(arch.encode() if isinstance(arch, str) else arch)
    spec = {}
    for node in root.iter("field"):
        if any(parent.tag == "field" for parent in node.iterancestors()):
            continue
        name = node.get("name")
        description = fields.get(name)
        if not description:
            continue
        if description["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif description["type"] in ("one2many", "many2many"):
            spec[name] = {"fields": {"display_name": {}}, "limit": 40}
        else:
            spec[name] = {}
    return spec
