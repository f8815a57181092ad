from odoo import api, fields, models
from odoo.fields import Command
from odoo.osv import expression


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    crm_segment_id = fields.Many2one(
        "crm.segment",
        string="Segment",
        domain="[('target_model', '=', mailing_model_name)]",
        help="Send to the members of this segment when the mailing goes out. "
        "The segment is evaluated again at sending time.",
    )
    crm_nurture_step_id = fields.Many2one(
        "crm.nurture.step",
        string="Nurturing step",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    @api.depends("crm_segment_id")
    def _compute_mailing_domain(self):
        return super()._compute_mailing_domain()

    @api.onchange("mailing_model_id")
    def _onchange_mailing_model_clear_segment(self):
        for mailing in self:
            if mailing.crm_segment_id.target_model != mailing.mailing_model_name:
                mailing.crm_segment_id = False

    def _get_default_mailing_domain(self):
        domain = super()._get_default_mailing_domain()
        if self.crm_segment_id and (
            self.crm_segment_id.target_model == self.mailing_model_name
        ):
            domain = expression.AND(
                [domain, [("crm_segment_ids", "in", [self.crm_segment_id.id])]]
            )
        return domain

    def _get_opt_out_list(self):
        """Add the addresses that left the segment's consent lists, so a mailing
        on contacts or leads honours list opt-outs like one on a list."""
        opt_out = super()._get_opt_out_list()
        lists = self.crm_segment_id.optout_list_ids
        lists |= self.crm_nurture_step_id.sequence_id.optout_list_ids
        if lists:
            opted_out = self.env["mailing.subscription"].sudo().search([
                ("list_id", "in", lists.ids),
                ("opt_out", "=", True),
            ]).contact_id.mapped("email_normalized")
            opt_out = set(opt_out) | {email for email in opted_out if email}
        return opt_out

    def _crm_send_to(self, res_ids):
        """Queue this mailing for the given records, inside the current
        transaction.

        Unlike ``action_send_mail``, the composer never commits, so the caller's
        log rows and the queued mails are saved or rolled back together. The
        composer still cancels blocklisted, opted-out and duplicate addresses
        and records one trace per recipient.
        """
        self.ensure_one()
        if not res_ids:
            return self.env["mail.mail"]
        mailing = self.sudo()
        composer = self.env["mail.compose.message"].sudo().with_context(
            active_ids=res_ids,
            default_composition_mode="mass_mail",
            **mailing._get_mass_mailing_context(),
        ).create({
            "composition_mode": "mass_mail",
            "model": mailing.mailing_model_real,
            "mass_mailing_id": mailing.id,
            "subject": mailing.subject,
            "body": mailing._prepend_preview(mailing.body_html or "", mailing.preview),
            "email_from": mailing.email_from,
            "author_id": self.env.user.partner_id.id,
            "mail_server_id": mailing.mail_server_id.id,
            "attachment_ids": [Command.link(attachment.id)
                               for attachment in mailing.attachment_ids],
            "auto_delete": not mailing.keep_archives,
            "record_name": False,
            "template_id": False,
            # Queue only: the mail queue sends after this transaction commits,
            # so a rolled-back step never reaches a mailbox.
            "force_send": False,
        })
        return composer._action_send_mail(auto_commit=False)
