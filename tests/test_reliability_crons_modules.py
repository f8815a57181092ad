"""Crons of crm_core, crm_campaign, crm_erp_bridge and crm_pipeline under concurrency and faults.

The tests work on a copy of the five-module database (``suite_database``),
because the crons act on every record of a database: lead scoring, duplicate
detection, completeness, nurturing steps, renewals, the at-risk check and the
weekly digest. Real Odoo processes seed the records of each cron (names start
with the test's tag) and run the crons. The test then counts their effects in
SQL. PostgreSQL triggers log every score, completeness and risk change in the
table ``cron_test_effect``, so that a record written twice shows up even when
the second write stores the same value.
"""

import os
import signal
import time

import psycopg2
import pytest

from suitetools import pg, reliability

# The same pytest worker as the other reliability tests: they share the install
# of the five modules.
pytestmark = pytest.mark.xdist_group("reliability")

# Records per cron and records per cron batch: small, so that a run has six
# batches to race on, kill in the middle of, or fail in.
RECORDS = 60
BATCH = 10

EFFECT_SQL = """
CREATE TABLE IF NOT EXISTS cron_test_effect (
    kind varchar NOT NULL,
    res_id integer NOT NULL,
    backend integer NOT NULL DEFAULT pg_backend_pid()
);
CREATE OR REPLACE FUNCTION cron_test_log_effect() RETURNS trigger AS $$
BEGIN
    INSERT INTO cron_test_effect (kind, res_id) VALUES (TG_ARGV[0], NEW.id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER cron_test_score AFTER UPDATE ON crm_lead FOR EACH ROW
    WHEN (OLD.crm_score IS DISTINCT FROM NEW.crm_score)
    EXECUTE FUNCTION cron_test_log_effect('score');
CREATE OR REPLACE TRIGGER cron_test_risk AFTER UPDATE ON crm_lead FOR EACH ROW
    WHEN (OLD.crm_risk_codes IS DISTINCT FROM NEW.crm_risk_codes)
    EXECUTE FUNCTION cron_test_log_effect('risk');
CREATE OR REPLACE TRIGGER cron_test_completeness AFTER UPDATE ON res_partner FOR EACH ROW
    WHEN (OLD.crm_completeness IS DISTINCT FROM NEW.crm_completeness)
    EXECUTE FUNCTION cron_test_log_effect('completeness');
"""

# A slow database for the fault test: every row a cron writes costs 30 ms, so
# that a batch of 10 lasts long enough to be killed after the first commit.
SLOW_SQL = """
CREATE OR REPLACE FUNCTION cron_test_slow() RETURNS trigger AS $$
BEGIN
    PERFORM pg_sleep(0.03);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER cron_test_slow_score BEFORE UPDATE ON crm_lead FOR EACH ROW
    WHEN (OLD.crm_score IS DISTINCT FROM NEW.crm_score)
    EXECUTE FUNCTION cron_test_slow();
CREATE OR REPLACE TRIGGER cron_test_slow_renewal BEFORE INSERT ON crm_lead FOR EACH ROW
    WHEN (NEW.crm_renewal_line_id IS NOT NULL)
    EXECUTE FUNCTION cron_test_slow();
CREATE OR REPLACE TRIGGER cron_test_slow_nurture BEFORE INSERT ON crm_nurture_log
    FOR EACH ROW EXECUTE FUNCTION cron_test_slow();
"""

UNSLOW_SQL = """
DROP TRIGGER cron_test_slow_score ON crm_lead;
DROP TRIGGER cron_test_slow_renewal ON crm_lead;
DROP TRIGGER cron_test_slow_nurture ON crm_nurture_log;
"""

# Seeding code run inside an Odoo process, after the lines that set TAG and RECORDS.
SEED = """
from datetime import timedelta
from odoo import Command, fields


def make_users(env, count, label):
    salesman = env.ref("sales_team.group_sale_salesman")
    return env["res.users"].create([
        {"name": "%s %s %s" % (TAG, label, index), "login": "%s-%s-%s" % (TAG, label, index),
         "email": "%s.%s%s@example.com" % (TAG, label, index),
         "groups_id": [Command.set(salesman.ids)]}
        for index in range(count)
    ])


def seed_scoring(env):
    env["crm.score.rule"].create({
        "name": TAG + " rule", "model_name": "crm.lead", "rule_type": "field",
        "domain": repr([("name", "=like", TAG + " scoring %")]), "points": 10,
    })
    env["crm.lead"].create([
        {"name": "%s scoring %s" % (TAG, index), "type": "lead"} for index in range(RECORDS)
    ])


def seed_duplicates(env):
    env["res.partner"].create([
        {"name": "%s duplicate %s %s" % (TAG, index, side),
         "email": "%s.twin%s@example.com" % (TAG, index)}
        for index in range(RECORDS // 2) for side in ("A", "B")
    ])


def seed_completeness(env):
    partners = env["res.partner"].create([
        {"name": "%s quality %s" % (TAG, index), "email": "%s.q%s@example.com" % (TAG, index)}
        for index in range(RECORDS)
    ])
    # A new required field: every contact is out of date until the cron runs.
    mobile = env["ir.model.fields"]._get("res.partner", "mobile")
    if not env["crm.required.field"].search([("field_id", "=", mobile.id)]):
        env["crm.required.field"].create({"model_name": "res.partner", "field_id": mobile.id})
    # An earlier test created the rule already: empty the stored values instead.
    # The effect log then starts empty, so that it counts the cron's writes only.
    env.flush_all()
    env.cr.execute(
        "UPDATE res_partner SET crm_completeness = NULL WHERE id = ANY(%s)", [partners.ids])
    env.cr.execute(
        "DELETE FROM cron_test_effect WHERE kind = 'completeness' AND res_id = ANY(%s)",
        [partners.ids])


def seed_nurture(env):
    template = env["mail.template"].create({
        "name": TAG + " welcome", "model_id": env["ir.model"]._get_id("res.partner"),
        "subject": TAG + " welcome", "body_html": "<p>Welcome</p>",
    })
    sequence = env["crm.nurture.sequence"].create({
        "name": TAG + " sequence", "target_model": "res.partner",
    })
    env["crm.nurture.step"].create([
        {"sequence_id": sequence.id, "sequence": 1, "step_type": "mail",
         "mail_template_id": template.id},
        {"sequence_id": sequence.id, "sequence": 2, "step_type": "activity",
         "activity_type_id": env.ref("mail.mail_activity_data_call").id,
         "activity_summary": TAG + " call"},
    ])
    sequence.action_start()
    partners = env["res.partner"].create([
        {"name": "%s prospect %s" % (TAG, index), "email": "%s.p%s@example.com" % (TAG, index)}
        for index in range(RECORDS)
    ])
    env["crm.nurture.participant"].create([
        {"sequence_id": sequence.id, "partner_id": partner.id} for partner in partners
    ])
    result["nurture_sequence_id"] = sequence.id


def seed_renewals(env):
    product = env["product.product"].create({
        "name": TAG + " support", "type": "service", "invoice_policy": "order",
        "list_price": 100.0, "crm_renewal_months": 12,
    })
    # Six customers: renewals of one customer share its partner row.
    customers = env["res.partner"].create([
        {"name": "%s customer %s" % (TAG, index), "email": "%s.c%s@example.com" % (TAG, index)}
        for index in range(6)
    ])
    orders = env["sale.order"].create([
        {"partner_id": customers[index % 6].id, "order_line": [
            Command.create({"product_id": product.id, "product_uom_qty": 1}),
            Command.create({"product_id": product.id, "product_uom_qty": 2}),
        ]}
        for index in range(RECORDS // 2)
    ])
    orders.action_confirm()
    # Sold 350 days ago: the yearly term ends in 15 days, inside the notice.
    orders.write({"date_order": fields.Datetime.now() - timedelta(days=350)})
    env.flush_all()
    result["renewal_product_id"] = product.id


def seed_risk(env):
    leader = make_users(env, 1, "leader")
    salespeople = make_users(env, 3, "sales")
    team = env["crm.team"].create({"name": TAG + " team", "user_id": leader.id})
    env["crm.lead"].create([
        {"name": "%s deal %s" % (TAG, index), "type": "opportunity", "team_id": team.id,
         "user_id": salespeople[index % 3].id,
         "date_deadline": fields.Date.today() - timedelta(days=5)}
        for index in range(RECORDS)
    ])
    result["digest_partner_ids"] = (leader | salespeople).partner_id.ids


SEEDS = {
    "scoring": seed_scoring, "duplicates": seed_duplicates,
    "completeness": seed_completeness, "nurture": seed_nurture,
    "renewals": seed_renewals, "risk": seed_risk,
}

CRONS = {
    "scoring": lambda env: env["crm.score.rule"]._cron_compute_scores(
        batch_size=BATCH, model_names=["crm.lead"]),
    "duplicates": lambda env: env["crm.duplicate.pair"]._cron_detect_duplicates(
        batch_size=BATCH),
    "completeness": lambda env: env["crm.required.field"]._cron_update_completeness(
        batch_size=BATCH),
    "nurture": lambda env: env["crm.nurture.sequence"]._cron_advance_participants(
        batch_size=BATCH),
    "renewals": lambda env: env["sale.order.line"]._cron_create_renewal_opportunities(
        batch_size=BATCH),
    "risk": lambda env: env["crm.lead"]._cron_update_risk(batch_size=BATCH),
    "digest": lambda env: env["crm.lead"]._cron_send_risk_digest(),
}


def seed(names):
    for name in names:
        run_retrying(SEEDS[name])
"""

# Two workers: the first seeds, then both run each cron from a common start.
RACE = """
def meet(name):
    '''Wait until both workers reach ``name``.'''
    open("%s.%s.%s" % (BARRIER, name, os.getpid()), "w").close()
    folder, prefix = os.path.dirname(BARRIER), os.path.basename(BARRIER) + "." + name + "."
    limit = time.monotonic() + 300
    while len([path for path in os.listdir(folder) if path.startswith(prefix)]) < 2:
        if time.monotonic() > limit:
            raise SystemExit("the other worker never reached " + name)
        time.sleep(0.005)


if INDEX == 0:
    seed(list(SEEDS))
meet("seeded")
for name, cron in CRONS.items():
    meet(name)
    result[name] = run_retrying(cron)
"""

# SQL counting the effects of each cron on the records of one tag.
SCORES_SQL = """
SELECT COALESCE(lead.crm_score, 0),
       (SELECT count(*) FROM cron_test_effect effect
         WHERE effect.kind = 'score' AND effect.res_id = lead.id)
  FROM crm_lead lead WHERE lead.name LIKE %s ORDER BY lead.id
"""
RISK_SQL = """
SELECT lead.crm_risk_codes,
       (SELECT count(*) FROM cron_test_effect effect
         WHERE effect.kind = 'risk' AND effect.res_id = lead.id)
  FROM crm_lead lead WHERE lead.name LIKE %s ORDER BY lead.id
"""
COMPLETENESS_SQL = """
SELECT partner.crm_completeness,
       (SELECT count(*) FROM cron_test_effect effect
         WHERE effect.kind = 'completeness' AND effect.res_id = partner.id)
  FROM res_partner partner WHERE partner.name LIKE %s ORDER BY partner.id
"""
DUPLICATES_SQL = """
SELECT first.email, count(pair.id)
  FROM res_partner first
  JOIN res_partner second ON second.email = first.email AND second.id > first.id
  LEFT JOIN crm_duplicate_pair pair
         ON pair.model_name = 'res.partner'
        AND pair.record_id = first.id AND pair.duplicate_id = second.id
 WHERE first.name LIKE %s
 GROUP BY first.email
"""
NURTURE_SQL = """
SELECT participant.state,
       (SELECT count(*) FROM crm_nurture_log log
         WHERE log.participant_id = participant.id),
       (SELECT count(*) FROM mail_mail mail
          JOIN mail_message message ON message.id = mail.mail_message_id
          JOIN crm_nurture_step step ON step.mailing_id = mail.mailing_id
         WHERE step.sequence_id = participant.sequence_id
           AND message.res_id = participant.partner_id),
       (SELECT count(*) FROM mailing_trace trace
          JOIN crm_nurture_step step ON step.mailing_id = trace.mass_mailing_id
         WHERE step.sequence_id = participant.sequence_id
           AND trace.res_id = participant.partner_id),
       (SELECT count(*) FROM mail_activity activity
         WHERE activity.res_model = 'res.partner'
           AND activity.res_id = participant.partner_id
           AND activity.summary = %s)
  FROM crm_nurture_participant participant
 WHERE participant.sequence_id = %s
 ORDER BY participant.id
"""
RENEWALS_SQL = """
SELECT line.id,
       (SELECT count(*) FROM crm_lead lead WHERE lead.crm_renewal_line_id = line.id),
       (SELECT count(*) FROM mail_activity activity
          JOIN crm_lead lead ON activity.res_model = 'crm.lead' AND activity.res_id = lead.id
         WHERE lead.crm_renewal_line_id = line.id)
  FROM sale_order_line line
 WHERE line.product_id = %s
 ORDER BY line.id
"""
DIGEST_SQL = """
SELECT partner.id, count(mail.id)
  FROM res_partner partner
  LEFT JOIN mail_mail_res_partner_rel recipient ON recipient.res_partner_id = partner.id
  LEFT JOIN mail_mail mail ON mail.id = recipient.mail_mail_id
   AND mail.mail_message_id IN (
        SELECT id FROM mail_message WHERE subject = 'Your deals at risk this week')
 WHERE partner.id = ANY(%s)
 GROUP BY partner.id
"""


def header(tag, **values):
    lines = [f"TAG = {tag!r}", f"RECORDS = {RECORDS}", f"BATCH = {BATCH}"]
    lines += [f"{name} = {value!r}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def log_path(name):
    folder = os.path.join(os.path.dirname(os.path.dirname(__file__)), ".suite", "reliability")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)


def execute(odoo_runtime, database, sql):
    """Run statements that return no rows (``OdooRuntime.query`` fetches rows)."""
    conn = odoo_runtime.connection.connect(database)
    try:
        with conn, conn.cursor() as cr:
            cr.execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def cron_database(odoo_runtime, suite_database, db_suffix):
    """A copy of the five-module database with the effect log, for every test here.

    The tests seed records of their own tag, so they can share it: each cron
    also finds the records of the tests before it, all of them done.
    """
    database = f"cron_{db_suffix}_{os.getpid()}"
    reliability.drop_database(odoo_runtime, database)
    for attempt in range(20):
        try:
            pg.create_database_from_template(odoo_runtime.connection, database, suite_database)
            break
        except psycopg2.errors.ObjectInUse:
            # A process of an earlier test is still disconnecting from the template.
            time.sleep(0.5 * (attempt + 1))
    else:
        pytest.fail(f"{suite_database} stayed in use: no copy could be made")
    execute(odoo_runtime, database, EFFECT_SQL)
    yield database
    reliability.drop_database(odoo_runtime, database)


def finish_all(processes):
    outcomes = [reliability.finish(process) for process in processes]
    for code, result, output in outcomes:
        assert code == 0, output[-4000:]
        assert result is not None, output[-4000:]
    return [result for _code, result, _output in outcomes]


# ----------------------------------------------------------------------
# Two workers, one barrier
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def race(odoo_runtime, cron_database, tmp_path_factory):
    """Seed every cron's records, then run each cron in two workers from one start.

    Returns (database, tag, worker results).
    """
    barrier = str(tmp_path_factory.mktemp("cron-race") / "go")
    tag = "race"
    workers = [
        reliability.start(
            odoo_runtime,
            cron_database,
            header(tag, BARRIER=barrier, INDEX=index) + SEED + RACE,
            log_path(f"cron-race-worker-{index}.log"),
        )
        for index in range(2)
    ]
    return cron_database, tag, finish_all(workers)


def processed(results, name):
    return [result[name] for result in results]


def test_two_workers_score_each_lead_once(odoo_runtime, race):
    database, tag, _results = race
    rows = odoo_runtime.query(database, SCORES_SQL, [f"{tag} scoring %"])
    assert len(rows) == RECORDS
    assert set(rows) == {(10, 1)}, "every lead scored 10 points, written once"


def test_two_workers_list_each_duplicate_once(odoo_runtime, race):
    database, tag, _results = race
    rows = odoo_runtime.query(database, DUPLICATES_SQL, [f"{tag} duplicate % A"])
    assert len(rows) == RECORDS // 2
    assert {count for _email, count in rows} == {1}, "one review pair per twin"


def test_two_workers_update_completeness_once(odoo_runtime, race):
    database, tag, _results = race
    rows = odoo_runtime.query(database, COMPLETENESS_SQL, [f"{tag} quality %"])
    assert len(rows) == RECORDS
    # The only required field, the mobile number, is empty: 0 %.
    assert set(rows) == {(0, 1)}, "every contact updated once"


def test_two_workers_nurture_each_participant_once(odoo_runtime, race):
    database, tag, results = race
    sequence_id = next(r["nurture_sequence_id"] for r in results if "nurture_sequence_id" in r)
    rows = odoo_runtime.query(database, NURTURE_SQL, [f"{tag} call", sequence_id])
    assert len(rows) == RECORDS
    # State, step logs, queued mails, mailing traces, scheduled calls.
    assert set(rows) == {("done", 2, 1, 1, 1)}


def test_two_workers_renew_each_line_once(odoo_runtime, race):
    database, _tag, results = race
    product_id = next(r["renewal_product_id"] for r in results if "renewal_product_id" in r)
    rows = odoo_runtime.query(database, RENEWALS_SQL, [product_id])
    assert len(rows) == RECORDS
    assert {(leads, activities) for _line, leads, activities in rows} == {(1, 1)}


def test_two_workers_flag_each_deal_once(odoo_runtime, race):
    database, tag, _results = race
    rows = odoo_runtime.query(database, RISK_SQL, [f"{tag} deal %"])
    assert len(rows) == RECORDS
    assert set(rows) == {("deadline_passed", 1)}


def test_two_workers_send_one_digest(odoo_runtime, race):
    database, _tag, results = race
    partner_ids = next(r["digest_partner_ids"] for r in results if "digest_partner_ids" in r)
    rows = odoo_runtime.query(database, DIGEST_SQL, [partner_ids])
    assert len(rows) == 4
    assert {count for _partner, count in rows} == {1}, "one digest per salesperson and leader"
    assert sorted(processed(results, "digest"))[0] == 0, "the second worker sends nothing"


# ----------------------------------------------------------------------
# A worker killed after its first committed batch
# ----------------------------------------------------------------------

# Seed one cron's records, then run that cron until the test kills the process.
FAULT_WORKER = """
seed([NAME])
result[NAME] = run_retrying(CRONS[NAME])
"""

RERUN = """
for name in NAMES:
    result[name] = run_retrying(CRONS[name])
"""

# Per cron: SQL counting the records whose batch was committed.
COMMITTED_SQL = {
    "scoring": "SELECT count(*) FROM crm_lead WHERE name LIKE %(tag)s || ' scoring %%'"
    " AND crm_score = 10",
    "nurture": "SELECT count(*) FROM crm_nurture_participant participant"
    " JOIN crm_nurture_sequence sequence ON sequence.id = participant.sequence_id"
    " WHERE sequence.name->>'en_US' = %(tag)s || ' sequence' AND participant.state = 'done'",
    "renewals": "SELECT count(*) FROM crm_lead WHERE name LIKE 'Renewal: ' || %(tag)s || '%%'",
}


def nurture_rows(odoo_runtime, database, tag):
    sequence_id = odoo_runtime.query(
        database,
        "SELECT id FROM crm_nurture_sequence WHERE name->>'en_US' = %s",
        [f"{tag} sequence"],
    )[0][0]
    return odoo_runtime.query(database, NURTURE_SQL, [f"{tag} call", sequence_id])


def renewal_rows(odoo_runtime, database, tag):
    product_id = odoo_runtime.query(
        database,
        "SELECT product.id FROM product_product product"
        " JOIN product_template template ON template.id = product.product_tmpl_id"
        " WHERE template.name->>'en_US' = %s",
        [f"{tag} support"],
    )[0][0]
    return [
        (leads, activities)
        for _line, leads, activities in odoo_runtime.query(database, RENEWALS_SQL, [product_id])
    ]


def test_killed_workers_resume_without_loss(odoo_runtime, cron_database):
    """SIGKILL a worker of each cron after its first committed batch, then rerun them."""
    execute(odoo_runtime, cron_database, SLOW_SQL)
    try:
        check_killed_workers_resume(odoo_runtime, cron_database)
    finally:
        execute(odoo_runtime, cron_database, UNSLOW_SQL)


def check_killed_workers_resume(odoo_runtime, cron_database):
    tag = "fault"
    names = list(COMMITTED_SQL)
    workers = {
        name: reliability.start(
            odoo_runtime,
            cron_database,
            header(tag, NAME=name) + SEED + FAULT_WORKER,
            log_path(f"cron-fault-{name}.log"),
        )
        for name in names
    }
    waiting = set(names)
    limit = time.monotonic() + 300
    while waiting:
        assert time.monotonic() < limit, f"no batch of {sorted(waiting)} committed in 5 minutes"
        for name in sorted(waiting):
            worker = workers[name]
            assert worker.poll() is None, (
                f"the {name} worker ended before its first batch was seen:\n"
                + open(worker.log_path).read()[-3000:]
            )
            sql = COMMITTED_SQL[name]
            if odoo_runtime.query(cron_database, sql, {"tag": tag})[0][0]:
                os.kill(worker.pid, signal.SIGKILL)
                waiting.discard(name)
        time.sleep(0.02)
    for name, worker in workers.items():
        code, _result, output = reliability.finish(worker)
        assert code == -signal.SIGKILL, f"the {name} worker was not killed:\n{output[-2000:]}"

    # What the kills left behind is whole: each record is done or untouched.
    scores = odoo_runtime.query(cron_database, SCORES_SQL, [f"{tag} scoring %"])
    assert set(scores) <= {(10, 1), (0, 0)}, "no lead half scored"
    scored = scores.count((10, 1))
    assert 0 < scored < RECORDS, f"{scored} leads scored before the kill"
    participants = nurture_rows(odoo_runtime, cron_database, tag)
    assert set(participants) <= {("done", 2, 1, 1, 1), ("running", 0, 0, 0, 0)}
    nurtured = participants.count(("done", 2, 1, 1, 1))
    assert 0 < nurtured < RECORDS, f"{nurtured} participants advanced before the kill"
    renewals = renewal_rows(odoo_runtime, cron_database, tag)
    assert set(renewals) <= {(1, 1), (0, 0)}, "no renewal without its activity"
    renewed = renewals.count((1, 1))
    assert 0 < renewed < RECORDS, f"{renewed} lines renewed before the kill"

    code, result, output = reliability.run(
        odoo_runtime, cron_database, header(tag, NAMES=names) + SEED + RERUN
    )
    assert code == 0, output[-3000:]
    assert result["nurture"] == RECORDS - nurtured
    assert result["renewals"] == RECORDS - renewed
    scores = odoo_runtime.query(cron_database, SCORES_SQL, [f"{tag} scoring %"])
    assert set(scores) == {(10, 1)}, "every lead scored once"
    assert set(nurture_rows(odoo_runtime, cron_database, tag)) == {("done", 2, 1, 1, 1)}
    assert set(renewal_rows(odoo_runtime, cron_database, tag)) == {(1, 1)}


# ----------------------------------------------------------------------
# A record that raises
# ----------------------------------------------------------------------

# After seeding, a PostgreSQL trigger per cron rejects the write of one record.
BREAK_ONE = """
seed(["scoring", "nurture", "renewals", "risk", "completeness"])


def break_one_of_each(env):
    def first(sql):
        env.cr.execute(sql)
        return env.cr.fetchone()[0]

    bad = {
        "scoring": first("SELECT min(id) FROM crm_lead WHERE name LIKE '%s scoring %%%%'" % TAG),
        "risk": first("SELECT min(id) FROM crm_lead WHERE name LIKE '%s deal %%%%'" % TAG),
        "nurture": first("SELECT min(id) FROM crm_nurture_participant WHERE sequence_id = %s"
                         % result["nurture_sequence_id"]),
        "renewals": first(
            "SELECT min(id) FROM sale_order_line WHERE product_id = %s"
            % result["renewal_product_id"]),
        "completeness": first(
            "SELECT min(id) FROM res_partner WHERE name LIKE '%s quality %%%%'" % TAG),
    }
    env.cr.execute('''
        CREATE OR REPLACE FUNCTION cron_test_reject() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'cron test: %% rejects record %%', TG_ARGV[0], TG_ARGV[1];
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER cron_test_reject_score BEFORE UPDATE ON crm_lead FOR EACH ROW
            WHEN (NEW.id = %(scoring)s AND OLD.crm_score IS DISTINCT FROM NEW.crm_score)
            EXECUTE FUNCTION cron_test_reject('scoring', %(scoring)s);
        CREATE TRIGGER cron_test_reject_risk BEFORE UPDATE ON crm_lead FOR EACH ROW
            WHEN (NEW.id = %(risk)s AND OLD.crm_risk_codes IS DISTINCT FROM NEW.crm_risk_codes)
            EXECUTE FUNCTION cron_test_reject('risk', %(risk)s);
        CREATE TRIGGER cron_test_reject_nurture BEFORE INSERT ON crm_nurture_log FOR EACH ROW
            WHEN (NEW.participant_id = %(nurture)s)
            EXECUTE FUNCTION cron_test_reject('nurture', %(nurture)s);
        CREATE TRIGGER cron_test_reject_renewal BEFORE INSERT ON crm_lead FOR EACH ROW
            WHEN (NEW.crm_renewal_line_id = %(renewals)s)
            EXECUTE FUNCTION cron_test_reject('renewals', %(renewals)s);
        CREATE TRIGGER cron_test_reject_quality BEFORE UPDATE ON res_partner FOR EACH ROW
            WHEN (NEW.id = %(completeness)s
                  AND OLD.crm_completeness IS DISTINCT FROM NEW.crm_completeness)
            EXECUTE FUNCTION cron_test_reject('completeness', %(completeness)s);
    ''' % bad)
    result["bad"] = bad


run_retrying(break_one_of_each)
for name in ("scoring", "completeness", "nurture", "renewals", "risk"):
    result[name] = run_retrying(CRONS[name])
"""


def test_record_that_raises_is_skipped(odoo_runtime, cron_database):
    """One rejected record per cron is logged and skipped; the rest of its batch goes on."""
    tag = "broken"
    code, result, output = reliability.run(
        odoo_runtime, cron_database, header(tag) + SEED + BREAK_ONE
    )
    assert code == 0, output[-3000:]
    bad = result["bad"]
    for name in ("scoring", "completeness", "nurture", "renewals", "risk"):
        assert f"cron test: {name} rejects record {bad[name]}" in output, f"{name} error not logged"

    scores = odoo_runtime.query(cron_database, SCORES_SQL, [f"{tag} scoring %"])
    assert scores.count((10, 1)) == RECORDS - 1
    assert scores.count((0, 0)) == 1
    quality = odoo_runtime.query(cron_database, COMPLETENESS_SQL, [f"{tag} quality %"])
    assert quality.count((0, 1)) == RECORDS - 1
    assert quality.count((None, 0)) == 1
    risk = odoo_runtime.query(cron_database, RISK_SQL, [f"{tag} deal %"])
    assert risk.count(("deadline_passed", 1)) == RECORDS - 1
    assert risk.count((None, 0)) == 1

    # The rejected participant waits for a retry with its error; nothing was sent to it.
    participants = nurture_rows(odoo_runtime, cron_database, tag)
    assert participants.count(("done", 2, 1, 1, 1)) == RECORDS - 1
    assert participants.count(("running", 0, 0, 0, 0)) == 1
    error = odoo_runtime.query(
        cron_database,
        "SELECT last_error FROM crm_nurture_participant WHERE id = %s",
        [bad["nurture"]],
    )[0][0]
    assert "rejects record" in error
    assert result["renewals"] == RECORDS - 1
    assert renewal_rows(odoo_runtime, cron_database, tag).count((0, 0)) == 1
