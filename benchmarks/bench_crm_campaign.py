#!/usr/bin/env python3
"""Benchmarks of crm_campaign: segment evaluation and nurturing sequence steps.

    python3 benchmarks/bench_crm_campaign.py --database NAME --scale 10000

runs these benchmarks alone through the harness (see harness.py):

* a five-criterion segment (opened in 30 days, visited a pricing page, never
  clicked, country, tag) with the blocklist and one list's opt-outs, counted
  through the ORM, against the fastest of two hand-written SQL counts;
* the nurturing cron moving every generated contact through a tag step into
  a wait step, against Odoo writing the same tag on the same contacts;
* the nurturing cron moving a fiftieth of them through a mail step (mails queued).
"""

import sys
import time
from datetime import datetime, timedelta

from common import Result, insert_rows, measure

SEGMENT_RUNS = 5

HAND_WRITTEN_EXISTS = """
    SELECT COUNT(*) FROM res_partner p
     WHERE p.active
       AND p.country_id = ANY(%(countries)s)
       AND EXISTS (SELECT 1 FROM res_partner_res_partner_category_rel r
                    WHERE r.partner_id = p.id AND r.category_id = %(tag)s)
       AND EXISTS (SELECT 1 FROM mailing_trace t
                    WHERE t.email = p.email_normalized
                      AND COALESCE(t.open_datetime, t.links_click_datetime,
                                   t.reply_datetime) >= %(since)s)
       AND EXISTS (SELECT 1 FROM crm_tracking_event e
                    WHERE e.partner_id = p.id AND e.event_type = 'website_visit'
                      AND e.url ILIKE '%%pricing%%')
       AND NOT EXISTS (SELECT 1 FROM mailing_trace t
                        WHERE t.email = p.email_normalized
                          AND t.links_click_datetime IS NOT NULL)
       AND (p.email_normalized IS NULL OR (
            NOT EXISTS (SELECT 1 FROM mail_blacklist b
                         WHERE b.active AND b.email = p.email_normalized)
            AND NOT EXISTS (SELECT 1 FROM mailing_subscription s
                              JOIN mailing_contact c ON c.id = s.contact_id
                             WHERE s.opt_out AND s.list_id = %(list)s
                               AND c.email_normalized = p.email_normalized)))
"""

HAND_WRITTEN_IN = """
    SELECT COUNT(*) FROM res_partner p
     WHERE p.active
       AND p.country_id = ANY(%(countries)s)
       AND p.id IN (SELECT r.partner_id FROM res_partner_res_partner_category_rel r
                     WHERE r.category_id = %(tag)s)
       AND p.email_normalized IN (
            SELECT t.email FROM mailing_trace t
             WHERE COALESCE(t.open_datetime, t.links_click_datetime,
                            t.reply_datetime) >= %(since)s)
       AND p.id IN (SELECT e.partner_id FROM crm_tracking_event e
                     WHERE e.event_type = 'website_visit'
                       AND e.url ILIKE '%%pricing%%')
       AND p.email_normalized NOT IN (
            SELECT t.email FROM mailing_trace t
             WHERE t.links_click_datetime IS NOT NULL AND t.email IS NOT NULL)
       AND p.email_normalized NOT IN (
            SELECT b.email FROM mail_blacklist b
             WHERE b.active AND b.email IS NOT NULL)
       AND p.email_normalized NOT IN (
            SELECT c.email_normalized FROM mailing_subscription s
              JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.opt_out AND s.list_id = %(list)s
               AND c.email_normalized IS NOT NULL)
"""


def bench_segment(ctx):
    env, cr = ctx.env, ctx.cr
    countries = env["res.country"].search([("code", "in", ["DE", "AT"])])
    tag = env["res.partner.category"].browse(ctx.data["tag_id"])
    mailing_list = env["mailing.list"].browse(ctx.data["mailing_list_id"])
    segment = env["crm.segment"].create(
        {
            "name": "Bench segment",
            "optout_list_ids": [(6, 0, mailing_list.ids)],
            "criterion_ids": [
                (0, 0, {"criterion_type": "email_opened", "days": 30}),
                (0, 0, {"criterion_type": "website_visit", "url_contains": "pricing"}),
                (0, 0, {"criterion_type": "email_clicked", "operator": "is_not"}),
                (0, 0, {"criterion_type": "country", "country_ids": [(6, 0, countries.ids)]}),
                (0, 0, {"criterion_type": "tag", "partner_tag_ids": [(6, 0, tag.ids)]}),
            ],
        }
    )
    cr.commit()
    params = {
        "countries": countries.ids,
        "tag": tag.id,
        "since": datetime.now() - timedelta(days=30),
        "list": mailing_list.id,
    }

    def hand_written(query):
        cr.execute(query, params)
        return cr.fetchone()[0]

    orm = measure(
        lambda: env["res.partner"].search_count(segment._get_member_domain()),
        repeat=SEGMENT_RUNS,
        before=env.invalidate_all,
    )
    exists = measure(lambda: hand_written(HAND_WRITTEN_EXISTS), repeat=SEGMENT_RUNS)
    in_list = measure(lambda: hand_written(HAND_WRITTEN_IN), repeat=SEGMENT_RUNS)
    segment.unlink()
    cr.commit()
    return [
        Result(
            "Segment evaluation, 5 criteria and consent",
            orm.seconds,
            orm.queries,
            orm.peak_mb,
            "fastest hand-written SQL count",
            min(exists.seconds, in_list.seconds),
            {"members": orm.result, "sql_members": [exists.result, in_list.result]},
        )
    ]


def _start_sequence(env, steps, partner_ids):
    """Create a running sequence whose participants are all due at its first step."""
    cr = env.cr
    sequence = env["crm.nurture.sequence"].create(
        {"name": f"Bench sequence {time.time()}", "step_ids": [(0, 0, step) for step in steps]}
    )
    sequence.action_start()
    # Odoo compares with a now() rounded down to the second.
    now = datetime.now().replace(microsecond=0) - timedelta(seconds=1)
    insert_rows(
        cr,
        "crm_nurture_participant",
        [
            "sequence_id",
            "partner_id",
            "company_id",
            "state",
            "current_step_id",
            "step_started_at",
            "next_run_at",
            "enrolled_at",
            "create_date",
            "write_date",
            "create_uid",
            "write_uid",
        ],
        [
            (
                sequence.id,
                partner_id,
                env.company.id,
                "running",
                sequence.step_ids[0].id,
                now,
                now,
                now,
                now,
                now,
                1,
                1,
            )
            for partner_id in partner_ids
        ],
    )
    cr.commit()
    env.invalidate_all()
    return sequence


def bench_nurture(ctx):
    env, cr = ctx.env, ctx.cr
    cr.execute(
        "SELECT id FROM res_partner"
        " WHERE parent_id IS NOT NULL AND name NOT LIKE 'Bench%%' ORDER BY id"
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    tag = env["res.partner.category"].create({"name": "Bench nurtured"})
    baseline_tag = env["res.partner.category"].create({"name": "Bench tagged by Odoo"})
    _start_sequence(
        env,
        [
            {"step_type": "tag", "partner_tag_ids": [(6, 0, tag.ids)]},
            {"step_type": "wait", "wait_days": 3},
        ],
        partner_ids,
    )
    tag_step = measure(lambda: env["crm.nurture.sequence"]._cron_advance_participants())
    cr.commit()
    env.invalidate_all()
    native = measure(
        lambda: env["res.partner"]
        .browse(partner_ids)
        .write({"category_id": [(4, baseline_tag.id)]})
    )
    env.flush_all()
    cr.execute(
        "SELECT COUNT(*) FROM res_partner_res_partner_category_rel WHERE category_id = %s", [tag.id]
    )
    tagged = cr.fetchone()[0]
    cr.commit()

    template = env["mail.template"].create(
        {
            "name": "Bench welcome",
            "model_id": env["ir.model"]._get_id("res.partner"),
            "subject": "Welcome {{ object.crm_first_name or '' }}",
            "body_html": '<p><t t-out="object.crm_salutation"/></p>',
        }
    )
    mail_partners = partner_ids[: max(10, len(partner_ids) // 50)]
    _start_sequence(
        env,
        [
            {"step_type": "mail", "mail_template_id": template.id},
            {"step_type": "wait", "wait_days": 3},
        ],
        mail_partners,
    )
    cr.execute("SELECT COUNT(*) FROM mail_mail")
    mails_before = cr.fetchone()[0]
    mail_step = measure(lambda: env["crm.nurture.sequence"]._cron_advance_participants())
    cr.execute("SELECT COUNT(*) FROM mail_mail")
    queued = cr.fetchone()[0] - mails_before
    cr.commit()
    return [
        Result(
            f"Nurture step, tag, {len(partner_ids):,} participants",
            tag_step.seconds,
            tag_step.queries,
            tag_step.peak_mb,
            "Odoo writing the tag on them",
            native.seconds,
            {"participants": len(partner_ids), "advanced": tag_step.result, "tagged": tagged},
        ),
        Result(
            f"Nurture step, mail, {len(mail_partners):,} participants",
            mail_step.seconds,
            mail_step.queries,
            mail_step.peak_mb,
            "",
            None,
            {
                "participants": len(mail_partners),
                "advanced": mail_step.result,
                "mails_queued": queued,
            },
        ),
    ]


BENCHMARKS = {
    "segment": bench_segment,
    "nurture": bench_nurture,
}

if __name__ == "__main__":
    from harness import main

    sys.exit(main(["--only", ",".join(BENCHMARKS), *sys.argv[1:]]))
