import logging

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)

# Portal URLs of crm_helpdesk. OCA helpdesk_mgmt and Odoo Enterprise Helpdesk
# both serve /my/tickets and /my/ticket/<id>, so ours carry "support" to let
# either run in the same database.
TICKETS_URL = "/my/support-tickets"
TICKET_URL = "/my/support-ticket"
NEW_TICKET_URL = "/my/support-tickets/new"
ANSWERS_URL = "/support/answers"
# Session key of the ticket list that the ticket page's previous/next buttons follow.
TICKETS_HISTORY = "crm_helpdesk_support_tickets_history"

TICKETS_PER_PAGE = 20
# Upper bounds of what a customer may type in the portal form.
MAX_SUBJECT_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 20000


def _without_nul(values):
    """Return the form values without NUL characters, which PostgreSQL rejects
    in text and which no customer types on purpose."""
    return {
        key: value.replace("\x00", "") if isinstance(value, str) else value
        for key, value in values.items()
    }


def _crm_helpdesk_portal_companies():
    """Return the companies whose teams, categories and answers the visitor may see.

    A portal user sees the company of their customer, or the user's own
    companies when the customer is shared between companies. An employee sees
    the companies of the request (``env.companies``: the web client's
    selection, else all of the user's companies). A public visitor sees the
    website's company (with the website module), otherwise the company of the
    request.
    """
    env = request.env
    user = env.user
    if user._is_public():
        website = getattr(request, "website", None)
        return website.company_id if website else env.company
    if not user.share:
        return env.companies
    # sudo: a contact may not read its parent company's record; only its company is used.
    customer_company = user.partner_id.commercial_partner_id.sudo().company_id
    return customer_company or user.company_ids


class CrmHelpdeskCustomerPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "crm_helpdesk_ticket_count" in counters:
            Ticket = request.env["crm.helpdesk.ticket"]
            values["crm_helpdesk_ticket_count"] = (
                Ticket.search_count([]) if Ticket.has_access("read") else 0
            )
        return values

    def _crm_helpdesk_searchbar_filters(self):
        return {
            "open": {"label": request.env._("Open"), "domain": [("is_closed", "=", False)]},
            "closed": {"label": request.env._("Closed"), "domain": [("is_closed", "=", True)]},
            "all": {"label": request.env._("All"), "domain": []},
        }

    def _crm_helpdesk_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "date_open desc, id desc"},
            "number": {"label": request.env._("Reference"), "order": "number desc"},
            "stage": {"label": request.env._("Stage"), "order": "stage_id, id desc"},
        }

    @http.route(
        [TICKETS_URL, f"{TICKETS_URL}/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_support_tickets(
        self, page=1, sortby="date", filterby="open", search=None, **kw
    ):
        Ticket = request.env["crm.helpdesk.ticket"]
        search = (search or "").replace("\x00", "")
        filters = self._crm_helpdesk_searchbar_filters()
        sortings = self._crm_helpdesk_searchbar_sortings()
        filterby = filterby if filterby in filters else "open"
        sortby = sortby if sortby in sortings else "date"
        domain = list(filters[filterby]["domain"])
        if search:
            domain += ["|", ("number", "ilike", search), ("name", "ilike", search)]
        count = Ticket.search_count(domain)
        pager = portal_pager(
            url=TICKETS_URL,
            url_args={"sortby": sortby, "filterby": filterby, "search": search or ""},
            total=count,
            page=page,
            step=TICKETS_PER_PAGE,
        )
        tickets = Ticket.search(
            domain, order=sortings[sortby]["order"], limit=TICKETS_PER_PAGE, offset=pager["offset"]
        )
        request.session[TICKETS_HISTORY] = tickets.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # The tickets were searched with the visitor's record rules;
                # sudo only reads their stage and contact names.
                "tickets": tickets.sudo(),
                "page_name": "crm_helpdesk_ticket",
                "pager": pager,
                "default_url": TICKETS_URL,
                "searchbar_sortings": sortings,
                "searchbar_filters": filters,
                "sortby": sortby,
                "filterby": filterby,
                "search": search or "",
            }
        )
        return request.render("crm_helpdesk.portal_my_support_tickets", values)

    @http.route([f"{TICKET_URL}/<int:ticket_id>"], type="http", auth="public", website=True)
    def portal_my_support_ticket(self, ticket_id, access_token=None, **kw):
        try:
            ticket_sudo = self._document_check_access(
                "crm.helpdesk.ticket", ticket_id, access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        # Only attachments of messages the customer sees in the chatter: an
        # internal note and its files stay with the support team.
        public_messages = ticket_sudo.message_ids.filtered(
            lambda message: not message.is_internal and not message.subtype_id.internal
        )
        attachments = public_messages.attachment_ids
        for attachment in attachments:
            attachment.generate_access_token()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "ticket": ticket_sudo,
                "page_name": "crm_helpdesk_ticket",
                "attachments": attachments,
                "linked_documents": self._crm_helpdesk_linked_documents(ticket_sudo),
                "rating_token": ticket_sudo._portal_rating_token(),
            }
        )
        values = self._get_page_view_values(
            ticket_sudo, access_token, values, TICKETS_HISTORY, False, **kw
        )
        return request.render("crm_helpdesk.portal_my_support_ticket", values)

    def _crm_helpdesk_linked_documents(self, ticket_sudo):
        """Return (label, url) of the linked documents the visitor may open.

        A document is listed only when the visitor can read it without sudo, so
        the page lists no order, invoice or opportunity the visitor may not open.
        """
        documents = []
        for record in (ticket_sudo.lead_id, ticket_sudo.order_ref, ticket_sudo.invoice_ref):
            if not record:
                continue
            visible = record.with_user(request.env.user).sudo(False)
            if not visible.has_access("read"):
                continue
            url = visible.access_url if "access_url" in visible._fields else False
            if url:
                documents.append((visible.display_name, url))
        return documents

    # ------------------------------------------------------------
    # New ticket form
    # ------------------------------------------------------------

    def _crm_helpdesk_answer_domain(self, search=None):
        """Return the domain of the published answers the visitor may read."""
        companies = _crm_helpdesk_portal_companies()
        return request.env["crm.helpdesk.answer"]._get_portal_search_domain(search) + [
            ("company_id", "in", [*companies.ids, False])
        ]

    def _crm_helpdesk_form_values(self, **kw):
        env = request.env
        companies = _crm_helpdesk_portal_companies()
        # sudo: portal users have no read access to teams and categories; the
        # domains keep to what the customer's companies offer on the portal.
        teams = (
            env["crm.helpdesk.team"]
            .sudo()
            .search([("portal_published", "=", True), ("company_id", "in", companies.ids)])
        )
        categories = (
            env["crm.helpdesk.category"]
            .sudo()
            .search(
                [
                    ("portal_published", "=", True),
                    ("company_id", "in", [*companies.ids, False]),
                ]
            )
        )
        answers = env["crm.helpdesk.answer"]
        if kw.get("name"):
            answers = answers.sudo().search(self._crm_helpdesk_answer_domain(kw["name"]), limit=5)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "crm_helpdesk_ticket_new",
                "teams": teams,
                "categories": categories,
                "answers": answers,
                "form": kw,
                "error": {},
            }
        )
        return values

    @http.route([NEW_TICKET_URL], type="http", auth="user", website=True, methods=["GET"])
    def portal_support_ticket_new(self, **kw):
        kw = _without_nul(kw)
        return request.render(
            "crm_helpdesk.portal_support_ticket_new", self._crm_helpdesk_form_values(**kw)
        )

    @http.route([NEW_TICKET_URL], type="http", auth="user", website=True, methods=["POST"])
    def portal_support_ticket_submit(self, **kw):
        kw = _without_nul(kw)
        values = self._crm_helpdesk_form_values(**kw)
        error = self._crm_helpdesk_form_validate(values, kw)
        if error:
            values["error"] = error
            return request.render("crm_helpdesk.portal_support_ticket_new", values)
        ticket = self._crm_helpdesk_form_create(values, kw)
        return request.redirect(ticket.access_url)

    def _crm_helpdesk_form_validate(self, values, kw):
        env = request.env
        error = {}
        subject = (kw.get("name") or "").strip()
        if not subject:
            error["name"] = env._("Enter a subject for your request.")
        elif len(subject) > MAX_SUBJECT_LENGTH:
            error["name"] = env._(
                "The subject is too long: %(length)s characters, at most %(max)s.",
                length=len(subject),
                max=MAX_SUBJECT_LENGTH,
            )
        if len(kw.get("description") or "") > MAX_DESCRIPTION_LENGTH:
            error["description"] = env._(
                "The description is too long: at most %(max)s characters.",
                max=MAX_DESCRIPTION_LENGTH,
            )
        for key, records in (("team_id", values["teams"]), ("category_id", values["categories"])):
            raw = kw.get(key)
            if raw and (not (raw.isascii() and raw.isdigit()) or int(raw) not in records.ids):
                error[key] = env._("This choice is not available; pick one from the list.")
        return error

    def _crm_helpdesk_form_create(self, values, kw):
        """Create the ticket of a validated form as the visitor's contact.

        The team and category ids were checked against ``values``, which hold
        only what the customer's companies offer on the portal.
        """
        env = request.env
        partner = env.user.partner_id
        teams = values["teams"]
        category = values["categories"].browse(int(kw["category_id"])) if kw.get(
            "category_id"
        ) else env["crm.helpdesk.category"]
        if kw.get("team_id"):
            team = teams.browse(int(kw["team_id"]))
        elif category.team_id.company_id in teams.company_id:
            team = category.team_id
        else:
            team = teams[:1]
        # sudo: portal users may not create tickets through the ORM; the values
        # come from the validated form and the visitor's own contact.
        ticket = (
            env["crm.helpdesk.ticket"]
            .sudo()
            .with_context(mail_create_nosubscribe=True)
            .create(
                {
                    "name": kw["name"].strip(),
                    "description": plaintext2html(kw.get("description") or ""),
                    "partner_id": partner.id,
                    "team_id": team.id,
                    "category_id": category.id,
                    "company_id": team.company_id.id
                    or _crm_helpdesk_portal_companies()[:1].id
                    or env.company.id,
                    "channel": "portal",
                }
            )
        )
        ticket._send_acknowledgement()
        # crm_core's lead scoring counts a submitted support form as engagement.
        env["crm.score.event"].sudo()._record_event(
            "form_submit", partner=partner, source_ref=f"crm.helpdesk.ticket,{ticket.id}"
        )
        _logger.info("Ticket %s opened on the portal by partner %s", ticket.number, partner.id)
        return ticket

    # ------------------------------------------------------------
    # Knowledge base
    # ------------------------------------------------------------

    @http.route([ANSWERS_URL], type="http", auth="public", website=True)
    def portal_support_answers(self, search=None, **kw):
        # sudo: the domain keeps to published answers of the visitor's companies.
        answers = (
            request.env["crm.helpdesk.answer"]
            .sudo()
            .search(self._crm_helpdesk_answer_domain(search), limit=50)
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {"answers": answers, "search": search or "", "page_name": "crm_helpdesk_answers"}
        )
        return request.render("crm_helpdesk.portal_support_answers", values)

    @http.route([f"{ANSWERS_URL}/<int:answer_id>"], type="http", auth="public", website=True)
    def portal_support_answer(self, answer_id, **kw):
        # sudo: the answer is shown only when the published-answer domain matches it.
        answer = (
            request.env["crm.helpdesk.answer"]
            .sudo()
            .search([("id", "=", answer_id), *self._crm_helpdesk_answer_domain()], limit=1)
        )
        if not answer:
            return request.redirect(ANSWERS_URL)
        values = self._prepare_portal_layout_values()
        values.update({"answer": answer, "page_name": "crm_helpdesk_answers"})
        return request.render("crm_helpdesk.portal_support_answer", values)
