import logging
import re

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools.mail import email_split_and_format, parse_contact_from_email

from .crm_helpdesk_sla import PRIORITIES
from .crm_helpdesk_ticket_sla import LEVEL_AT_RISK, LEVEL_BREACHED

_logger = logging.getLogger(__name__)

# A ticket number as the default sequence writes it (prefix letters and at
# least four digits, e.g. TK00042), found anywhere in a mail subject.
TICKET_REFERENCE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2,6}\d{4,10})(?![A-Za-z0-9])")

# Order of SLA statuses from best to worst, for the summary status of a ticket.
SLA_STATUS_RANK = {"met": 0, "on_track": 1, "at_risk": 2, "breached": 3}
# Maximum length of a ticket name taken from a mail subject. The message keeps the full subject.
MAX_MAIL_SUBJECT_LENGTH = 256


class CrmHelpdeskTicket(models.Model):
    _name = "crm.helpdesk.ticket"
    _description = "Helpdesk Ticket"
    _inherit = [
        "portal.mixin",
        "mail.thread.cc",
        "mail.activity.mixin",
        "rating.mixin",
    ]
    _order = "priority desc, id desc"
    _rec_names_search = ["number", "name", "partner_id.name"]
    _primary_email = "partner_email"
    # Portal users who can read a ticket may answer on it.
    _mail_post_access = "read"

    number = fields.Char(
        readonly=True, copy=False, index="trigram", default="/", help="Ticket reference."
    )
    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Html()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    color = fields.Integer()

    # Customer
    partner_id = fields.Many2one("res.partner", string="Contact", tracking=True, index=True)
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    partner_email = fields.Char(
        string="Email",
        compute="_compute_partner_email",
        store=True,
        readonly=False,
        precompute=True,
    )
    partner_name = fields.Char(
        string="Contact Name",
        compute="_compute_partner_email",
        store=True,
        readonly=False,
        precompute=True,
    )

    # Classification
    channel = fields.Selection(
        [
            ("email", "Email"),
            ("portal", "Portal"),
            ("phone", "Phone"),
            ("internal", "Internal"),
        ],
        required=True,
        default="internal",
    )
    priority = fields.Selection(PRIORITIES, default="1", required=True, tracking=True, index=True)
    category_id = fields.Many2one("crm.helpdesk.category", tracking=True, index=True)
    tag_ids = fields.Many2many("crm.helpdesk.tag", string="Tags")

    # Processing
    team_id = fields.Many2one("crm.helpdesk.team", tracking=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Assigned To",
        tracking=True,
        index=True,
        domain=[("share", "=", False)],
    )
    stage_id = fields.Many2one(
        "crm.helpdesk.stage",
        tracking=True,
        index=True,
        group_expand="_read_group_stage_ids",
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        precompute=True,
        # "set null" lets an uninstall delete the stages before the ticket
        # table. Outside an uninstall, crm.helpdesk.stage rejects deleting a stage in use.
        ondelete="set null",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, index=True)
    is_waiting = fields.Boolean(related="stage_id.is_waiting", store=True)
    merged_into_id = fields.Many2one("crm.helpdesk.ticket", readonly=True, copy=False)

    # Linked documents
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    order_ref = fields.Reference(selection="_selection_sale_document", string="Sales Order")
    invoice_ref = fields.Reference(selection="_selection_invoice_document", string="Invoice")

    # Dates and working-time figures (UTC; hours on the team calendar)
    date_open = fields.Datetime(
        string="Opened On", required=True, default=fields.Datetime.now, copy=False
    )
    first_response_date = fields.Datetime(readonly=True, copy=False)
    close_date = fields.Datetime(string="Closed On", readonly=True, copy=False)
    first_response_hours = fields.Float(
        string="First Response (Working Hours)",
        readonly=True,
        copy=False,
        aggregator="avg",
    )
    resolution_hours = fields.Float(
        string="Resolution (Working Hours)", readonly=True, copy=False, aggregator="avg"
    )
    time_spent = fields.Float(
        string="Time Spent (Hours)", help="Support time booked on this ticket."
    )
    planned_hours = fields.Float(
        string="Estimated Hours",
        help="Expected support time; the workload planning uses the team default "
        "when it is empty.",
    )
    support_cost = fields.Monetary(
        compute="_compute_support_cost",
        store=True,
        help="Time spent multiplied by the hourly rate of the team.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    # SLA
    sla_line_ids = fields.One2many("crm.helpdesk.ticket.sla", "ticket_id", string="SLA")
    sla_status = fields.Selection(
        [
            ("on_track", "On Track"),
            ("at_risk", "At Risk"),
            ("breached", "Breached"),
            ("met", "Met"),
        ],
        string="SLA Status",
        compute="_compute_sla_summary",
        store=True,
        index=True,
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_summary",
        store=True,
        help="Earliest deadline of the SLA targets still running.",
    )
    sla_met = fields.Boolean(
        string="SLA Met",
        compute="_compute_sla_summary",
        store=True,
        aggregator="bool_and",
        help="Every SLA target of the ticket was reached in time.",
    )

    _sql_constraints = [
        (
            "number_company_uniq",
            "unique (number, company_id)",
            "A ticket with this number already exists in this company.",
        ),
    ]

    def init(self):
        # The customer timeline of crm_core is a view over this table.
        self.env["crm.interaction"].init()

    # ------------------------------------------------------------
    # Defaults, selections, computes
    # ------------------------------------------------------------

    @api.model
    def _selection_sale_document(self):
        return [("sale.order", self.env._("Sales Order"))] if "sale.order" in self.env else []

    @api.model
    def _selection_invoice_document(self):
        return [("account.move", self.env._("Invoice"))] if "account.move" in self.env else []

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        team_id = self.env.context.get("default_team_id")
        search_domain = [("team_ids", "=", False)]
        if team_id:
            search_domain = ["|", ("team_ids", "in", [team_id])] + search_domain
            return stages.search(search_domain)
        return stages.search([])

    @api.depends("team_id")
    def _compute_company_id(self):
        for ticket in self:
            ticket.company_id = ticket.team_id.company_id or ticket.company_id or self.env.company

    @api.depends("partner_id")
    def _compute_partner_email(self):
        for ticket in self:
            if ticket.partner_id:
                ticket.partner_email = ticket.partner_id.email
                ticket.partner_name = ticket.partner_id.name

    @api.depends("team_id")
    def _compute_stage_id(self):
        for ticket in self:
            team_stages = ticket.team_id.stage_ids
            if ticket.stage_id and (
                not ticket.stage_id.team_ids or ticket.team_id in ticket.stage_id.team_ids
            ):
                continue
            ticket.stage_id = (
                self.env["crm.helpdesk.team"]._get_default_stage(ticket.team_id) or team_stages[:1]
            )

    @api.depends("time_spent", "team_id.hourly_rate")
    def _compute_support_cost(self):
        for ticket in self:
            ticket.support_cost = ticket.time_spent * ticket.team_id.hourly_rate

    @api.depends("sla_line_ids.status", "sla_line_ids.deadline", "sla_line_ids.reached_date")
    def _compute_sla_summary(self):
        for ticket in self:
            lines = ticket.sla_line_ids
            if not lines:
                ticket.sla_status = False
                ticket.sla_deadline = False
                ticket.sla_met = False
                continue
            ticket.sla_status = max(lines.mapped("status"), key=SLA_STATUS_RANK.get)
            running = lines.filtered(lambda line: not line.reached_date and line.deadline)
            ticket.sla_deadline = min(running.mapped("deadline")) if running else False
            ticket.sla_met = all(line.status == "met" for line in lines)

    def _compute_access_url(self):
        # Every ticket gets its own portal URL, so the mixin's default is not needed.
        for ticket in self:
            ticket.access_url = f"/my/support-ticket/{ticket.id}"

    @api.depends("number", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = (
                f"{ticket.number} {ticket.name}"
                if ticket.number and ticket.number != "/"
                else ticket.name
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if not vals.get("number") or vals["number"] == "/":
                vals["number"] = sequence.next_by_code("crm.helpdesk.ticket") or "/"
        tickets = super().create(vals_list)
        for ticket in tickets:
            if not ticket.user_id and ticket.team_id:
                assignee = ticket.team_id._get_next_assignee()
                if assignee:
                    ticket.user_id = assignee
        if not self.env.context.get("mail_create_nosubscribe_customer"):
            for ticket in tickets.filtered("partner_id"):
                ticket.message_subscribe(partner_ids=ticket.partner_id.ids)
        tickets._sla_apply()
        closed = tickets.filtered("is_closed")
        if closed:
            closed._on_closed(fields.Datetime.now())
        return tickets

    def write(self, vals):
        now = fields.Datetime.now()
        stage_changes = {}
        if "stage_id" in vals:
            new_stage = self.env["crm.helpdesk.stage"].browse(vals["stage_id"])
            stage_changes = {
                ticket: (ticket.stage_id, new_stage)
                for ticket in self
                if ticket.stage_id != new_stage
            }
        result = super().write(vals)
        if "partner_id" in vals:
            for ticket in self.filtered("partner_id"):
                ticket.message_subscribe(partner_ids=ticket.partner_id.ids)
        if {"team_id", "priority", "category_id", "partner_id"} & vals.keys():
            self._sla_apply()
        for ticket, (old_stage, new_stage) in stage_changes.items():
            ticket._on_stage_change(old_stage, new_stage, now)
        return result

    # ------------------------------------------------------------
    # Stage life cycle and SLA clock
    # ------------------------------------------------------------

    def _on_stage_change(self, old_stage, new_stage, now):
        self.ensure_one()
        lines = self.sudo().sla_line_ids
        if new_stage.is_closed and not old_stage.is_closed:
            self._on_closed(now)
        elif old_stage.is_closed and not new_stage.is_closed:
            self.write({"close_date": False, "resolution_hours": 0.0})
            lines.filtered(lambda line: line.target_type == "resolution")._reopen(now)
        if new_stage.is_waiting and not old_stage.is_waiting:
            lines._pause(now)
        elif old_stage.is_waiting and not new_stage.is_waiting and not new_stage.is_closed:
            lines._resume(now)
        if new_stage.mail_template_id and self.partner_id:
            self.message_post_with_source(
                new_stage.mail_template_id,
                subtype_xmlid="mail.mt_note",
                email_layout_xmlid="mail.mail_notification_light",
            )

    def _on_closed(self, now):
        for ticket in self:
            ticket.write(
                {
                    "close_date": now,
                    "resolution_hours": ticket._working_hours(ticket.date_open, now),
                }
            )
            ticket.sudo().sla_line_ids.filtered(
                lambda line: line.target_type == "resolution"
            )._reach(now)
            # A ticket closed without any answer counts as answered when closed.
            ticket.sudo().sla_line_ids.filtered(
                lambda line: line.target_type == "first_response"
            )._reach(now)
            if ticket.partner_id and not ticket.merged_into_id:
                template = self.env.ref(
                    "crm_helpdesk.mail_template_ticket_rating", raise_if_not_found=False
                )
                if template:
                    ticket.rating_send_request(template, force_send=False)

    def _working_hours(self, date_from, date_to):
        self.ensure_one()
        calendar = self.team_id.resource_calendar_id or self.company_id.resource_calendar_id
        if not calendar or not date_from or not date_to or date_to <= date_from:
            return 0.0
        return calendar.get_work_hours_count(date_from, date_to)

    def _sla_apply(self):
        """Create the SLA lines of the policies matching each ticket.

        Unreached lines of policies that no longer match are removed. Changing
        the team, priority, category or customer of a ticket so moves it to the
        targets that apply now, and their clock still starts when the ticket was
        opened.
        """
        policies = (
            self.env["crm.helpdesk.sla"].sudo().search([("company_id", "in", self.company_id.ids)])
        )
        Line = self.env["crm.helpdesk.ticket.sla"].sudo()
        create_values = []
        for ticket in self.filtered(lambda ticket: not ticket.is_closed):
            matching = self.env["crm.helpdesk.sla"].sudo()
            for policy in policies:
                if policy._matches(ticket):
                    matching |= policy
            stale = self.env["crm.helpdesk.ticket.sla"].sudo()
            for line in ticket.sudo().sla_line_ids:
                if line.sla_id not in matching and not line.reached_date:
                    stale |= line
            stale.unlink()
            existing = {(line.sla_id, line.target_type) for line in ticket.sudo().sla_line_ids}
            for policy in matching:
                for target_type, hours in (
                    ("first_response", policy.first_response_hours),
                    ("resolution", policy.resolution_hours),
                ):
                    if hours and (policy, target_type) not in existing:
                        if target_type == "first_response" and ticket.first_response_date:
                            continue
                        create_values.append(
                            Line._prepare_line_values(ticket, policy, target_type, hours)
                        )
        if create_values:
            lines = Line.create(create_values)
            lines._refresh_status()
            waiting = lines.filtered(lambda line: line.ticket_id.is_waiting)
            waiting._pause(fields.Datetime.now())

    def _notify_sla_escalation(self, line, level, users):
        """Post an internal note on the ticket that notifies ``users``."""
        self.ensure_one()
        deadline = fields.Datetime.to_string(line.deadline)
        if level == LEVEL_AT_RISK:
            body = self.env._(
                "The %(target)s SLA of ticket %(ticket)s is at risk: deadline %(deadline)s (UTC).",
                target=line._fields["target_type"].convert_to_export(line.target_type, line),
                ticket=self.number,
                deadline=deadline,
            )
        elif level == LEVEL_BREACHED:
            body = self.env._(
                "The %(target)s SLA of ticket %(ticket)s is breached since %(deadline)s (UTC).",
                target=line._fields["target_type"].convert_to_export(line.target_type, line),
                ticket=self.number,
                deadline=deadline,
            )
        else:
            body = self.env._(
                "Escalation to the manager: the %(target)s SLA of ticket %(ticket)s is "
                "breached since %(deadline)s (UTC) and still open.",
                target=line._fields["target_type"].convert_to_export(line.target_type, line),
                ticket=self.number,
                deadline=deadline,
            )
        # Queue the mails for the mail cron: sending them inline would make
        # each escalation batch wait on the SMTP server.
        self.sudo().with_context(mail_notify_force_send=False).message_post(
            body=body,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
            partner_ids=users.partner_id.ids,
        )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_assign_to_me(self):
        self.user_id = self.env.user

    def action_close(self):
        stage = self.env["crm.helpdesk.stage"].search([("is_closed", "=", True)], limit=1)
        if not stage:
            raise UserError(
                self.env._("No closing stage is defined: create a stage marked 'Closing Stage'.")
            )
        self.stage_id = stage

    def action_merge_into(self, target):
        """Merge the tickets of ``self`` into ``target`` and close them.

        Messages, attachments and followers move to ``target``; each merged
        ticket keeps a note pointing to it and is archived in a closing stage.

        :param target: crm.helpdesk.ticket record receiving the conversation
        """
        target.ensure_one()
        sources = self - target
        if not sources:
            raise UserError(
                self.env._(
                    "Select at least one other ticket to merge into %(ticket)s.",
                    ticket=target.display_name,
                )
            )
        tickets = sources | target
        customers = tickets.commercial_partner_id
        # A ticket without a customer counts as another customer, because merging
        # it would show its conversation to the other ticket's customer.
        without_customer = tickets.filtered(lambda ticket: not ticket.commercial_partner_id)
        if len(customers) > 1 or (customers and without_customer):
            no_customer = self.env._("no customer")
            raise UserError(
                self.env._(
                    "Tickets of different customers cannot be merged: %(tickets)s.",
                    tickets=", ".join(
                        f"{ticket.display_name} "
                        f"({ticket.commercial_partner_id.display_name or no_customer})"
                        for ticket in tickets
                    ),
                )
            )
        closing = self.env["crm.helpdesk.stage"].search([("is_closed", "=", True)], limit=1)
        for source in sources:
            source.message_ids.sudo().write({"res_id": target.id})
            self.env["ir.attachment"].sudo().search(
                [("res_model", "=", self._name), ("res_id", "=", source.id)]
            ).write({"res_id": target.id})
            target.message_subscribe(partner_ids=source.message_partner_ids.ids)
            target.time_spent += source.time_spent
            target.message_post(
                body=self.env._(
                    "Ticket %(ticket)s was merged into this ticket.", ticket=source.display_name
                ),
                subtype_xmlid="mail.mt_note",
            )
            source.write({"merged_into_id": target.id})
            if closing:
                source.stage_id = closing
            source.message_post(
                body=self.env._("Merged into ticket %(ticket)s.", ticket=target.display_name),
                subtype_xmlid="mail.mt_note",
            )
            source.active = False
        return target

    # ------------------------------------------------------------
    # Mail gateway and chatter
    # ------------------------------------------------------------

    def _creation_subtype(self):
        return self.env.ref("crm_helpdesk.mt_ticket_new")

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values and self.is_closed:
            return self.env.ref("crm_helpdesk.mt_ticket_closed")
        return super()._track_subtype(init_values)

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]

    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        if self.partner_id and self.partner_id not in self.message_partner_ids:
            self._message_add_suggested_recipient(
                recipients, partner=self.partner_id, reason=self.env._("Customer")
            )
        return recipients

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Create a ticket from a mail sent to a team alias.

        The sender becomes the contact (a new contact if the address is
        unknown) and every Cc address a follower. The customer gets an
        acknowledgement with the ticket number unless the mail was an automatic
        reply, which could start a mail loop.
        """
        values = dict(custom_values or {})
        sender = msg_dict.get("email_from") or ""
        partner = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if not partner and sender:
            partner = self._find_or_create_contact(sender)
        values.setdefault("channel", "email")
        values.update(
            {
                "name": (msg_dict.get("subject") or "")[:MAX_MAIL_SUBJECT_LENGTH]
                or self.env._("No Subject"),
                "description": msg_dict.get("body"),
                "partner_id": partner.id,
                "partner_email": tools.email_normalize(sender) or sender,
            }
        )
        if not partner:
            values["partner_name"] = parse_contact_from_email(sender)[0] or sender
        ticket = super(
            CrmHelpdeskTicket, self.with_context(mail_create_nosubscribe_customer=True)
        ).message_new(msg_dict, custom_values=values)
        cc_partners = ticket._partners_from_cc(msg_dict.get("cc"))
        ticket.message_subscribe(partner_ids=(partner | cc_partners).ids)
        if not self.env.context.get("crm_helpdesk_auto_submitted"):
            ticket._send_acknowledgement()
        else:
            _logger.info(
                "Ticket %s created from an automatic reply of %s: no acknowledgement sent",
                ticket.number,
                sender,
            )
        return ticket

    def message_update(self, msg_dict, update_vals=None):
        cc_partners = self._partners_from_cc(msg_dict.get("cc"))
        author = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if cc_partners and self._is_ticket_participant(author):
            self.message_subscribe(partner_ids=cc_partners.ids)
        return super().message_update(msg_dict, update_vals=update_vals)

    def _is_ticket_participant(self, partner):
        """Tell whether ``partner`` may widen the audience of this ticket.

        Only the customer's people, the followers and employees may add the
        Cc addresses of their reply as followers. A stranger who replies to
        the thread must not make a listener follow the conversation.
        """
        self.ensure_one()
        if not partner:
            return False
        if partner in self.message_partner_ids:
            return True
        customer = self.commercial_partner_id
        if customer and partner.commercial_partner_id == customer:
            return True
        return any(not user.share for user in partner.sudo().user_ids)

    @api.model
    def _find_or_create_contact(self, email):
        Partner = self.env["res.partner"]
        normalized = tools.email_normalize(email)
        if not normalized:
            return Partner
        if hasattr(Partner, "_crm_find_by_email"):
            found = Partner._crm_find_by_email(normalized)
            if found:
                return found[:1]
        return self._mail_find_partner_from_emails([email], force_create=True)[0]

    def _partners_from_cc(self, cc):
        """Return the contacts of the Cc addresses of an incoming mail.

        Unknown addresses get a new contact; addresses of the team aliases and
        of the mail catchall are ignored.
        """
        emails = email_split_and_format(cc or "")
        if not emails:
            return self.env["res.partner"]
        partners = self._mail_find_partner_from_emails(emails, records=self, force_create=True)
        return self.env["res.partner"].union(*[partner for partner in partners if partner])

    def _send_acknowledgement(self):
        template = self.env.ref("crm_helpdesk.mail_template_ticket_ack", raise_if_not_found=False)
        for ticket in self.filtered("partner_id"):
            if template:
                ticket.message_post_with_source(
                    template,
                    subtype_xmlid="mail.mt_note",
                    email_layout_xmlid="mail.mail_notification_light",
                )

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        if message.message_type not in ("comment", "email") or message.subtype_id.internal:
            return result
        author = message.author_id
        author_users = author.user_ids
        is_agent = author_users and not all(author_users.mapped("share"))
        for ticket in self:
            if is_agent:
                if not ticket.first_response_date and message.create_date:
                    ticket._on_first_response(fields.Datetime.now())
            elif ticket.is_closed and not ticket.merged_into_id and author:
                ticket._reopen_on_customer_reply()
            elif ticket.is_waiting and author:
                ticket._leave_waiting_on_customer_reply()
        return result

    def _on_first_response(self, now):
        self.ensure_one()
        self.sudo().write(
            {
                "first_response_date": now,
                "first_response_hours": self._working_hours(self.date_open, now),
            }
        )
        self.sla_line_ids.filtered(lambda line: line.target_type == "first_response").sudo()._reach(
            now
        )

    def _reopen_on_customer_reply(self):
        self.ensure_one()
        stage = self.env["crm.helpdesk.team"]._get_default_stage(self.team_id)
        if stage:
            self.sudo().stage_id = stage
            self.sudo().message_post(
                body=self.env._("Reopened after a reply of the customer."),
                subtype_xmlid="mail.mt_note",
            )

    def _leave_waiting_on_customer_reply(self):
        self.ensure_one()
        stage = self.env["crm.helpdesk.team"]._get_default_stage(self.team_id)
        if stage:
            self.sudo().stage_id = stage

    @api.model
    def _find_by_subject_reference(self, subject, email_from):
        """Return the ticket a subject refers to, if the sender belongs to it.

        Mail clients sometimes drop the In-Reply-To and References headers; the
        ticket number in the subject then threads the reply. The sender must be
        the ticket contact, a contact of the same customer, a follower or an
        employee, so that a guessed number cannot inject mail into another
        customer's ticket.
        """
        numbers = TICKET_REFERENCE_RE.findall(subject or "")
        sender = tools.email_normalize(email_from or "")
        if not numbers or not sender:
            return self.browse()
        for ticket in (
            self.sudo()
            .with_context(active_test=False)
            .search([("number", "in", numbers), ("merged_into_id", "=", False)], order="id desc")
        ):
            allowed = (
                ticket.message_partner_ids
                | ticket.partner_id
                | ticket.commercial_partner_id.child_ids
                | ticket.commercial_partner_id
            ).mapped("email_normalized")
            employees = (
                self.env["res.users"]
                .sudo()
                .search_count([("email_normalized", "=", sender), ("share", "=", False)])
            )
            if (
                sender in allowed
                or sender == tools.email_normalize(ticket.partner_email or "")
                or employees
            ):
                return ticket
        return self.browse()

    # ------------------------------------------------------------
    # Portal and rating
    # ------------------------------------------------------------

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Ticket %(number)s", number=self.number)

    def _rating_get_parent_field_name(self):
        return "team_id"

    def _portal_rating_token(self):
        """Return the token of the pending rating of a closed ticket, if any."""
        self.ensure_one()
        rating = self.sudo().rating_ids.filtered(
            lambda rating: not rating.consumed and rating.partner_id == self.partner_id
        )[:1]
        return rating.access_token if self.is_closed else False
