"""Crons under concurrency and faults, with real Odoo worker processes.

Every test seeds SLA lines of its own helpdesk team, all due for the manager
escalation, so that each line must end with exactly one escalation note on
its ticket. The counts come from SQL after the workers are gone.
"""

import os
import signal
import time

import pytest

from suitetools import reliability

# One pytest worker runs every reliability test: they share one database.
pytestmark = pytest.mark.xdist_group("reliability")

# Lines per cron batch in the workers: small, so that a run has many batches
# and commits to race on, kill in the middle of, or cut the connection of.
BATCH = 10

SEED = """
def seed(env):
    admin = env.ref("base.user_admin")
    team = env["crm.helpdesk.team"].create({{
        "name": {team!r}, "leader_id": admin.id, "manager_id": admin.id,
    }})
    env["crm.helpdesk.sla"].create({{
        "name": {team!r} + " policy", "team_ids": [(6, 0, team.ids)],
        "first_response_hours": 1.0, "resolution_hours": 4.0,
    }})
    customers = env["res.partner"].create([
        {{"name": "Reliability customer %s" % index, "email": "rel%s@example.com" % index}}
        for index in range({customers})
    ])
    env["crm.helpdesk.ticket"].create([
        {{"name": "Ticket %s" % index, "team_id": team.id,
          "partner_id": customers[index % len(customers)].id}}
        for index in range({tickets})
    ])
    # Every line was opened long ago: at risk, breached and past the manager delay.
    env.flush_all()
    env.cr.execute('''
        UPDATE crm_helpdesk_ticket_sla
           SET at_risk_date = now() at time zone 'UTC' - interval '3 hours',
               deadline = now() at time zone 'UTC' - interval '2 hours',
               manager_date = now() at time zone 'UTC' - interval '1 hour',
               escalation_level = 0
         WHERE team_id = %s
    ''', [team.id])
    result["team_id"] = team.id
    result["lines"] = env.cr.rowcount

run_retrying(seed)
"""

WORKER = """
barrier = {barrier!r}
if barrier:
    # Tell the test the registry is loaded, then wait for the common start.
    open(barrier + ".ready-" + str(os.getpid()), "w").close()
    wait_for(barrier)
result["processed"] = run_retrying(
    lambda env: env["crm.helpdesk.ticket.sla"]._cron_escalate(batch_size={batch})
)
"""

# Escalation notes per SLA line: the note names the ticket number and the
# target, so (ticket, target) identifies the line.
EFFECTS_SQL = """
SELECT line.id, line.escalation_level,
       (SELECT count(*)
          FROM mail_message message
         WHERE message.model = 'crm.helpdesk.ticket'
           AND message.res_id = line.ticket_id
           AND message.body::text LIKE '%%Escalation to the manager%%'
           AND message.body::text LIKE '%%' || CASE line.target_type
                   WHEN 'first_response' THEN 'First Response'
                   ELSE 'Resolution' END || '%%')
  FROM crm_helpdesk_ticket_sla line
 WHERE line.team_id = %s
 ORDER BY line.id
"""


def seed_team(odoo_runtime, database, team, tickets, customers=None):
    """Create ``tickets`` tickets of a new team, spread over ``customers`` customers."""
    code, result, output = reliability.run(
        odoo_runtime,
        database,
        SEED.format(team=team, tickets=tickets, customers=customers or tickets),
    )
    assert code == 0, f"seeding failed:\n{output[-3000:]}"
    assert result, f"seeding failed:\n{output[-3000:]}"
    assert result["lines"] == 2 * tickets, result
    return result["team_id"]


def effects(odoo_runtime, database, team_id):
    """Return {line id: (escalation level, escalation notes)}."""
    rows = odoo_runtime.query(database, EFFECTS_SQL, [team_id])
    return {line_id: (level, notes) for line_id, level, notes in rows}


def log_path(name):
    folder = os.path.join(os.path.dirname(os.path.dirname(__file__)), ".suite", "reliability")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)


def race_two_workers(odoo_runtime, database, team_id, folder, name):
    """Start two cron workers at the same moment; return {line id: (level, notes)}."""
    barrier = str(folder / "go")
    workers = [
        reliability.start(
            odoo_runtime,
            database,
            WORKER.format(barrier=barrier, batch=BATCH),
            log_path(f"{name}-worker-{index}.log"),
        )
        for index in range(2)
    ]
    limit = time.monotonic() + 180
    while len([path for path in os.listdir(folder) if ".ready-" in path]) < 2:
        assert all(worker.poll() is None for worker in workers), "a worker ended before the start"
        assert time.monotonic() < limit, "the workers did not load their registry in 3 minutes"
        time.sleep(0.05)
    open(barrier, "w").close()
    outcomes = [reliability.finish(worker) for worker in workers]
    for code, result, output in outcomes:
        assert code == 0, output[-3000:]
        assert result is not None, output[-3000:]
    return effects(odoo_runtime, database, team_id)


def test_reliability_two_workers_escalate_each_line_once(
    odoo_runtime, reliability_database, tmp_path
):
    """Each ticket has its own customer: the workers share no row but the SLA lines."""
    team_id = seed_team(odoo_runtime, reliability_database, "Concurrency team", 30)
    lines = race_two_workers(odoo_runtime, reliability_database, team_id, tmp_path, "own")
    assert len(lines) == 60
    wrong = {line: state for line, state in lines.items() if state != (3, 1)}
    assert not wrong, f"lines without exactly one escalation note: {wrong}"


def test_reliability_two_workers_shared_customer_lose_no_note(
    odoo_runtime, reliability_database, tmp_path
):
    """All tickets belong to one customer: both workers' notes touch the same partner row."""
    team_id = seed_team(odoo_runtime, reliability_database, "Shared customer team", 30, 1)
    lines = race_two_workers(odoo_runtime, reliability_database, team_id, tmp_path, "shared")
    assert len(lines) == 60
    wrong = {line: state for line, state in lines.items() if state != (3, 1)}
    assert not wrong, f"lines without exactly one escalation note: {wrong}"


@pytest.mark.parametrize("fault", ["sigkill", "connection_lost"])
def test_reliability_cron_fault_mid_batch_resumes(odoo_runtime, reliability_database, fault):
    """Cut a worker after its first committed batch, rerun it, count the notes."""
    team_id = seed_team(odoo_runtime, reliability_database, f"Fault team {fault}", 30)
    worker = reliability.start(
        odoo_runtime,
        reliability_database,
        WORKER.format(barrier="", batch=BATCH),
        log_path(f"fault-{fault}.log"),
    )
    done_sql = (
        "SELECT count(*) FROM crm_helpdesk_ticket_sla WHERE team_id = %s AND escalation_level = 3"
    )
    limit = time.monotonic() + 120
    while odoo_runtime.query(reliability_database, done_sql, [team_id])[0][0] == 0:
        assert worker.poll() is None, "the worker ended before its first batch was seen"
        assert time.monotonic() < limit, "no batch committed within two minutes"
        time.sleep(0.02)
    if fault == "sigkill":
        os.kill(worker.pid, signal.SIGKILL)
    else:
        # The connection of the worker dies as in a PostgreSQL restart;
        # other databases of the cluster are left alone.
        odoo_runtime.query(
            reliability_database,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
    code, _result, output = reliability.finish(worker)
    assert code != 0, "the fault came too late: the worker had finished\n" + output[-2000:]

    # What the cut left behind is whole: an escalated line has its note, a
    # line still waiting has none.
    after_fault = effects(odoo_runtime, reliability_database, team_id)
    escalated = [line for line, (level, _notes) in after_fault.items() if level == 3]
    assert 0 < len(escalated) < 60, f"{len(escalated)} lines escalated before the fault"
    half_written = {
        line: state for line, state in after_fault.items() if state not in ((3, 1), (0, 0))
    }
    assert not half_written, f"lines half written by the cut worker: {half_written}"

    code, result, output = reliability.run(
        odoo_runtime, reliability_database, WORKER.format(barrier="", batch=BATCH)
    )
    assert code == 0, output[-3000:]
    assert result["processed"] == 60 - len(escalated)
    lines = effects(odoo_runtime, reliability_database, team_id)
    assert sorted(set(lines.values())) == [(3, 1)], "every line escalated with exactly one note"


def test_reliability_cron_skips_record_that_raises(odoo_runtime, reliability_database):
    """A line whose note cannot be stored is logged and skipped; the batch goes on."""
    team_id = seed_team(odoo_runtime, reliability_database, "Faulty record team", 15)
    bad_ticket = odoo_runtime.query(
        reliability_database,
        "SELECT min(ticket_id) FROM crm_helpdesk_ticket_sla WHERE team_id = %s",
        [team_id],
    )[0][0]
    body = f"""
def break_one_ticket(env):
    # A database-level fault on one ticket: storing any message on it fails.
    env.cr.execute('''
        CREATE OR REPLACE FUNCTION rel_refuse_message() RETURNS trigger AS $$
        BEGIN
            IF NEW.model = 'crm.helpdesk.ticket' AND NEW.res_id = {bad_ticket} THEN
                RAISE EXCEPTION 'reliability test: ticket {bad_ticket} refuses messages';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER rel_refuse_message BEFORE INSERT ON mail_message
            FOR EACH ROW EXECUTE FUNCTION rel_refuse_message();
    ''')

def drop_trigger(env):
    env.cr.execute("DROP TRIGGER IF EXISTS rel_refuse_message ON mail_message")

run_retrying(break_one_ticket)
try:
    result["processed"] = run_retrying(
        lambda env: env["crm.helpdesk.ticket.sla"]._cron_escalate(batch_size={BATCH})
    )
finally:
    run_retrying(drop_trigger)
"""
    code, result, output = reliability.run(odoo_runtime, reliability_database, body)
    assert code == 0, output[-3000:]
    assert "SLA escalation failed for SLA line" in output
    assert "refuses messages" in output
    assert result["processed"] == 30
    lines = effects(odoo_runtime, reliability_database, team_id)
    rows = odoo_runtime.query(
        reliability_database,
        "SELECT id, ticket_id FROM crm_helpdesk_ticket_sla WHERE team_id = %s",
        [team_id],
    )
    bad_lines = {line for line, ticket in rows if ticket == bad_ticket}
    assert len(bad_lines) == 2
    # The bad lines are parked at the last level (not retried forever) without a note.
    assert {lines[line] for line in bad_lines} == {(3, 0)}
    good = {line: state for line, state in lines.items() if line not in bad_lines}
    assert len(good) == 28
    assert set(good.values()) == {(3, 1)}
