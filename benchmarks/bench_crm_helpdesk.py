#!/usr/bin/env python3
"""Benchmarks of crm_helpdesk: SLA deadline computation and the escalation cron.

    python3 benchmarks/bench_crm_helpdesk.py --database NAME --scale 10000

runs these benchmarks alone through the harness (see harness.py):

* SLA deadlines: the SLA lines of every open ticket computed again by
  ``crm.helpdesk.ticket._sla_apply`` (policy matching, working-time planning on
  the team's calendar, status), against Odoo's own calendar planning
  (``resource.calendar.plan_hours``) of the same deadlines; rolled back;
* the escalation cron (one transaction per batch, committed) over the open
  tickets, 2% of whose SLA lines are due for an escalation level.
"""

import sys
from datetime import datetime, timedelta

from common import Result, measure

# Share of SLA lines made due for one of the three escalation levels.
DUE_SHARE = 0.02


def bench_sla_deadlines(ctx):
    env, cr = ctx.env, ctx.cr
    Ticket = env["crm.helpdesk.ticket"]
    tickets = Ticket.search([("is_closed", "=", False), ("number", "like", "BT%")])
    calendar = tickets[:1].team_id.resource_calendar_id
    opened = tickets.mapped("date_open")
    cr.execute("SAVEPOINT bench_sla")
    cr.execute("DELETE FROM crm_helpdesk_ticket_sla WHERE ticket_id = ANY(%s)", [tickets.ids])
    env.invalidate_all()
    run = measure(lambda: tickets._sla_apply())
    env.flush_all()
    cr.execute(
        "SELECT COUNT(*), COUNT(deadline) FROM crm_helpdesk_ticket_sla WHERE ticket_id = ANY(%s)",
        [tickets.ids],
    )
    lines, with_deadline = cr.fetchone()
    cr.execute("ROLLBACK TO SAVEPOINT bench_sla")
    env.invalidate_all()

    def native():
        # Deadline, at-risk date and manager date of both targets, as the lines plan them.
        for start in opened:
            for hours in (4.0, 16.0):
                deadline = calendar.plan_hours(hours, start, compute_leaves=True)
                calendar.plan_hours(hours * 0.8, start, compute_leaves=True)
                calendar.plan_hours(4.0, deadline, compute_leaves=True)

    baseline = measure(native)
    return [
        Result(
            f"SLA deadlines of {len(tickets):,} open tickets",
            run.seconds,
            run.queries,
            run.peak_mb,
            "Odoo calendar planning alone",
            baseline.seconds,
            {"open_tickets": len(tickets), "lines": lines, "lines_with_deadline": with_deadline},
        )
    ]


def _make_lines_due(cr, share, rng):
    """Put every line back on track, then make ``share`` of them due, a third per level."""
    now = datetime.now()
    cr.execute(
        """
        UPDATE crm_helpdesk_ticket_sla
           SET status = 'on_track', escalation_level = 0, reached_date = NULL, paused_since = NULL,
               at_risk_date = %(risk)s, deadline = %(deadline)s, manager_date = %(manager)s
        """,
        {
            "risk": now + timedelta(days=2),
            "deadline": now + timedelta(days=3),
            "manager": now + timedelta(days=4),
        },
    )
    cr.execute("SELECT id FROM crm_helpdesk_ticket_sla ORDER BY id")
    ids = [row[0] for row in cr.fetchall()]
    due = rng.sample(ids, max(3, int(len(ids) * share)))
    third = len(due) // 3
    hour = timedelta(hours=1)
    for chunk, (risk, deadline, manager) in (
        (due[:third], (now - hour, now + hour, now + 2 * hour)),
        (due[third : 2 * third], (now - 3 * hour, now - hour, now + hour)),
        (due[2 * third :], (now - 5 * hour, now - 3 * hour, now - hour)),
    ):
        cr.execute(
            "UPDATE crm_helpdesk_ticket_sla SET at_risk_date = %s, deadline = %s, manager_date = %s"
            " WHERE id = ANY(%s)",
            [risk, deadline, manager, chunk],
        )
    cr.commit()
    return len(due)


def bench_escalation(ctx):
    import random

    env, cr = ctx.env, ctx.cr
    due = _make_lines_due(cr, DUE_SHARE, random.Random(ctx.seed))
    env.invalidate_all()
    run = measure(lambda: env["crm.helpdesk.ticket.sla"]._cron_escalate())
    cr.commit()
    idle = measure(lambda: env["crm.helpdesk.ticket.sla"]._cron_escalate())
    cr.execute("SELECT COUNT(*) FROM crm_helpdesk_ticket_sla WHERE escalation_level > 0")
    escalated = cr.fetchone()[0]
    return [
        Result(
            f"SLA escalation cron, {due:,} lines due",
            run.seconds,
            run.queries,
            run.peak_mb,
            "",
            None,
            {
                "due_lines": due,
                "escalated": escalated,
                "processed": run.result,
                "idle_queries": idle.queries,
            },
        )
    ]


BENCHMARKS = {
    "sla_deadlines": bench_sla_deadlines,
    "escalation": bench_escalation,
}

if __name__ == "__main__":
    from harness import main

    sys.exit(main(["--only", ",".join(BENCHMARKS), *sys.argv[1:]]))
