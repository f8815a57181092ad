"""Reviewed ``sudo()`` call sites of the suite's modules (test code excluded).

Each key is ``(file, enclosing function)``. The value gives the number of
``sudo()`` calls in that function and the test proving that the site does not
let a user read or change more than their access rights allow. It also says
why superuser rights are needed there. ``tests/test_sudo_inventory.py`` fails when the code
has a site that is not listed here, when a listed site is gone or has another
number of calls, and when a named test does not exist.

Tests are named ``<file>::<class>::<method>``. The controller sites of
crm_helpdesk and crm_campaign are covered by their HTTP route tests
(``tests/test_http_routes.py`` of each module).
"""

HELPDESK_ROUTES = "crm_helpdesk/tests/test_http_routes.py::TestHttpRouteMatrix::"
CAMPAIGN_ROUTES = "crm_campaign/tests/test_http_routes.py::TestCampaignRouteMatrix::"
CAMPAIGN_MATRIX = "crm_campaign/tests/test_access_matrix.py::TestAccessMatrix::"
CORE_MATRIX = "crm_core/tests/test_access_matrix.py::TestAccessMatrix::"
ERP_MATRIX = "crm_erp_bridge/tests/test_access_matrix.py::TestAccessMatrix::"
HELPDESK_MATRIX = "crm_helpdesk/tests/test_access_matrix.py::TestAccessMatrix::"
PIPELINE_MATRIX = "crm_pipeline/tests/test_access_matrix.py::TestAccessMatrix::"
CONSENT = "crm_campaign/tests/test_consent.py::TestConsent::"
NURTURE = "crm_campaign/tests/test_nurture.py::TestNurtureSequence::"
SEGMENT = "crm_campaign/tests/test_segment.py::TestSegment::"
TRACKING = "crm_campaign/tests/test_tracking.py::"
SCORING = "crm_core/tests/test_scoring.py::TestLeadScoring::"
SLA = "crm_helpdesk/tests/test_sla.py::"
RISK = "crm_pipeline/tests/test_risk.py::TestAtRisk::"
STAGE_HISTORY = "crm_pipeline/tests/test_stage_history.py::TestStageHistory::"

SUDO_SITES = {
    # crm_campaign: public routes (the HTTP tests post as public and portal users)
    ("crm_campaign/controllers/main.py", "CrmCampaignController.subscribe"): (
        1, CAMPAIGN_ROUTES + "test_subscribe_and_confirm",
        "Public form: reads only the published mailing list the visitor names.",
    ),
    ("crm_campaign/controllers/main.py", "CrmCampaignController._subscribe_rate_exceeded"): (
        1, CAMPAIGN_ROUTES + "test_subscribe_and_confirm",
        "Counts recent requests of one IP address; returns no record.",
    ),
    ("crm_campaign/controllers/main.py", "CrmCampaignMassMailController.full_url_redirect"): (
        4, CAMPAIGN_ROUTES + "test_mail_click",
        "Click of a mail link: finds the trace of the code in the link, records the "
        "click and redirects; nothing of the records is returned to the visitor.",
    ),
    # crm_campaign: consent records are evidence written by the code only
    ("crm_campaign/models/crm_consent.py", "CrmConsent._log"): (
        1, CAMPAIGN_MATRIX + "test_tracking_and_consent",
        "Users may only read consent records; the log entry is written for them.",
    ),
    ("crm_campaign/models/crm_consent.py", "CrmConsent._find_partner"): (
        1, CONSENT + "test_double_opt_in",
        "Finds the contact of an email address for the public form; returns it "
        "only to the consent log.",
    ),
    ("crm_campaign/models/crm_consent.py", "CrmConsent._request_subscription"): (
        3, CONSENT + "test_double_opt_in",
        "Public form: creates the mailing contact and the pending subscription.",
    ),
    ("crm_campaign/models/crm_consent.py", "CrmConsent._get_confirmation_url"): (
        2, CAMPAIGN_MATRIX + "test_tracking_and_consent",
        "Reads the token, a field of the system group that the matrix denies to users.",
    ),
    ("crm_campaign/models/crm_consent.py", "CrmConsent._send_confirmation_email"): (
        1, CONSENT + "test_double_opt_in",
        "Queues the confirmation mail to the requesting address only.",
    ),
    ("crm_campaign/models/crm_consent.py", "CrmConsent._confirm_subscription"): (
        2, CONSENT + "test_double_opt_in_link_expires",
        "Public link: acts only on the request whose secret token matches.",
    ),
    ("crm_campaign/models/crm_consent.py", "CrmConsent._get_or_create_partner"): (
        2, CONSENT + "test_double_opt_in",
        "Creates the contact of a confirmed subscriber for the public link.",
    ),
    # crm_campaign: nurturing steps run from the cron for every participant
    ("crm_campaign/models/crm_nurture_participant.py",
     "CrmNurtureParticipant._filter_branch_condition"): (
        1, NURTURE + "test_branch_on_click_and_reply",
        "Reads mail traces of the sequence's own mailings to choose a branch.",
    ),
    ("crm_campaign/models/crm_nurture_participant.py",
     "CrmNurtureParticipant._run_step_activity"): (
        1, NURTURE + "test_branches_on_given_dates",
        "Schedules the step's activity for the salesperson on the participant only.",
    ),
    ("crm_campaign/models/crm_nurture_participant.py", "CrmNurtureParticipant._run_step_stage"): (
        1, NURTURE + "test_lead_sequence_moves_stage_and_tags",
        "Moves the participant's own lead to the stage the marketer configured.",
    ),
    ("crm_campaign/models/crm_nurture_participant.py", "CrmNurtureParticipant._run_step_tag"): (
        2, NURTURE + "test_lead_sequence_moves_stage_and_tags",
        "Adds the configured tags to the participant's own lead and contact.",
    ),
    ("crm_campaign/models/crm_nurture_participant.py", "CrmNurtureParticipant._filter_replied"): (
        1, NURTURE + "test_exit_on_reply",
        "Reads mail traces of the sequence's mailings; returns participants only.",
    ),
    ("crm_campaign/models/crm_nurture_participant.py",
     "CrmNurtureParticipant._filter_converted"): (
        1, NURTURE + "test_exit_on_won_opportunity",
        "Counts won opportunities of the participants; returns participants only.",
    ),
    ("crm_campaign/models/crm_nurture_sequence.py", "CrmNurtureSequence._enrol_segment_members"): (
        1, NURTURE + "test_segment_entry",
        "Segment membership does not depend on the reader; creates participants only.",
    ),
    ("crm_campaign/models/crm_nurture_step.py", "CrmNurtureStep._get_or_create_mailing"): (
        2, NURTURE + "test_blocklisted_and_opted_out_get_no_mail",
        "Creates the technical mailing of a step for attribution.",
    ),
    # crm_campaign: segments are evaluated the same way for every reader
    ("crm_campaign/models/crm_segment.py", "CrmSegment._compute_member_count"): (
        1, SEGMENT + "test_membership_field_search_and_compute",
        "Returns a count only; the member list opens with the reader's rules.",
    ),
    ("crm_campaign/models/crm_segment.py", "CrmSegment._search_members"): (
        1, SEGMENT + "test_membership_field_search_and_compute",
        "Used by mailings and sequences that the marketer may send anyway.",
    ),
    ("crm_campaign/models/crm_segment.py", "CrmSegment._assign_segment_membership"): (
        2, CAMPAIGN_MATRIX + "test_segment_membership_on_contacts",
        "Lists only segments of the reader's companies on records the reader has.",
    ),
    ("crm_campaign/models/crm_segment.py", "CrmSegment._get_membership_search_domain"): (
        1, SEGMENT + "test_membership_field_search_and_compute",
        "Builds a domain; the search itself runs with the reader's rules.",
    ),
    ("crm_campaign/models/crm_segment_criterion.py", "CrmSegmentCriterion._get_domain_domain"): (
        1, SEGMENT + "test_profile_criteria_all_and_any",
        "Returns a subquery of ids for the segment's domain.",
    ),
    ("crm_campaign/models/crm_segment_criterion.py",
     "CrmSegmentCriterion._get_domain_bought_category"): (
        1, "crm_campaign/tests/test_erp_criteria.py::TestErpCriteria::test_sales_criteria",
        "Reads the product category tree for a sales criterion.",
    ),
    ("crm_campaign/models/crm_segment_criterion.py",
     "CrmSegmentCriterion._get_domain_open_ticket"): (
        2, "crm_campaign/tests/test_erp_criteria.py::TestErpCriteria::"
           "test_invoice_and_ticket_criteria",
        "Marketers have no ticket rights; the criterion returns contact ids only.",
    ),
    # crm_campaign: behaviour tracking
    ("crm_campaign/models/crm_tracking_event.py", "CrmTrackingEvent._record"): (
        1, CAMPAIGN_MATRIX + "test_tracking_and_consent",
        "Users may only read events; the tracking endpoint stores them.",
    ),
    ("crm_campaign/models/crm_tracking_event.py", "CrmTrackingEvent._identify_visitor"): (
        1, TRACKING + "TestTrackingEndpoint::test_mail_click_identifies_visitor",
        "Links earlier anonymous events of the same browser to the contact.",
    ),
    ("crm_campaign/models/mailing_mailing.py", "MailingMailing._get_opt_out_list"): (
        1, CONSENT + "test_mailing_to_contacts_honours_list_opt_out",
        "Reads opt-outs so that nobody gets a mail they refused.",
    ),
    ("crm_campaign/models/mailing_mailing.py", "MailingMailing._crm_send_to"): (
        2, NURTURE + "test_blocklisted_and_opted_out_get_no_mail",
        "Sends the step's mail to the participants the cron selected.",
    ),
    ("crm_campaign/models/res_partner.py", "ResPartner._crm_tracking_signature"): (
        1, TRACKING + "TestTrackingEndpoint::test_forged_token_records_anonymous_visit",
        "Reads the database secret to sign tracking tokens; the secret never leaves.",
    ),
    ("crm_campaign/models/res_partner.py", "ResPartner._crm_partner_from_tracking_token"): (
        1, TRACKING + "TestTrackingEndpoint::test_forged_token_records_anonymous_visit",
        "Returns the contact only when the token's signature matches.",
    ),
    # crm_core
    ("crm_core/models/crm_duplicate_pair.py", "CrmDuplicatePair._crm_refresh_for"): (
        4, CORE_MATRIX + "test_duplicate_pairs",
        "Stores pairs across all records; record rules then show a pair only to "
        "users who may see both leads.",
    ),
    ("crm_core/models/crm_duplicate_pair.py", "CrmDuplicatePair._cron_detect_duplicates"): (
        1, "crm_core/tests/test_cron_batches.py::TestCronBatches::"
           "test_duplicates_resume_after_stored_position",
        "Cron over every record; writes pairs only.",
    ),
    ("crm_core/models/crm_quality_mixin.py", "CrmQualityMixin._crm_update_completeness"): (
        2, "crm_core/tests/test_data_quality.py::TestCompleteness::test_partner_completeness",
        "Reads the required-field rules and stores the completeness of the record.",
    ),
    ("crm_core/models/crm_quality_mixin.py",
     "CrmQualityMixin._crm_completeness_trigger_fields"): (
        1, "crm_core/tests/test_data_quality.py::TestCompleteness::"
           "test_lead_completeness_per_stage",
        "Reads the configured field names only.",
    ),
    ("crm_core/models/crm_required_field.py", "CrmRequiredField._cron_update_completeness"): (
        1, "crm_core/tests/test_cron_batches.py::TestCronBatches::"
           "test_completeness_writes_changed_rows_only",
        "Cron over every record.",
    ),
    ("crm_core/models/crm_score_event.py", "CrmScoreEvent._record_event"): (
        1, CORE_MATRIX + "test_score_events",
        "Users may not create events; the API records them and returns the event.",
    ),
    ("crm_core/models/crm_score_event.py", "CrmScoreEvent._crm_rescore_concerned_records"): (
        4, SCORING + "test_partner_score_and_event_rollup",
        "Rescores the leads of the event's customer, whoever owns them.",
    ),
    ("crm_core/models/crm_score_mixin.py", "CrmScoreMixin._crm_grade_thresholds"): (
        1, SCORING + "test_grade_thresholds_from_settings",
        "Reads two system parameters.",
    ),
    ("crm_core/models/crm_score_rule.py", "CrmScoreRule._crm_rules_for"): (
        1, CORE_MATRIX + "test_scoring_configuration",
        "Reads the active rules of the record's company for scoring.",
    ),
    ("crm_core/models/crm_score_rule.py", "CrmScoreRule._crm_score_records"): (
        1, SCORING + "test_threshold_automations",
        "Runs the score automations the manager configured.",
    ),
    ("crm_core/models/crm_score_rule.py", "CrmScoreRule._cron_compute_scores"): (
        1, "crm_core/tests/test_cron_batches.py::TestCronBatches::"
           "test_scoring_skips_record_that_fails",
        "Cron over every record.",
    ),
    ("crm_core/models/res_partner.py", "ResPartner._compute_crm_next_activity"): (
        1, "crm_core/tests/test_customer_360.py::TestCustomer360::"
           "test_last_contact_and_next_activity",
        "Shows the date and summary of the next activity of the customer.",
    ),
    ("crm_core/models/res_partner.py", "ResPartner._compute_crm_opportunity_figures"): (
        1, CORE_MATRIX + "test_customer_360_figures",
        "Totals of the enabled companies only; never raises for a salesperson who "
        "cannot read a colleague's deals.",
    ),
    ("crm_core/models/res_partner.py", "ResPartner._crm_get_revenue_by_partner"): (
        1, "crm_core/tests/test_security.py::TestSecurity::test_figures_ignore_other_company",
        "Totals of won deals of the enabled companies.",
    ),
    # crm_erp_bridge
    ("crm_erp_bridge/models/crm_lead.py", "CrmLead._compute_crm_quote_to_cash"): (
        1, ERP_MATRIX + "test_order_and_lead_figures",
        "Totals of the orders of an opportunity the reader may open.",
    ),
    ("crm_erp_bridge/models/res_partner.py", "ResPartner._compute_crm_account_health"): (
        1, "crm_erp_bridge/tests/test_security.py::TestSecurity::"
           "test_salesperson_reads_account_health",
        "Reads the credit limit, an accounting field, to explain a churn risk.",
    ),
    ("crm_erp_bridge/models/res_partner.py", "ResPartner._crm_get_ticket_counts"): (
        1, ERP_MATRIX + "test_customer_figures",
        "Counts open tickets of the enabled companies for the churn risk.",
    ),
    ("crm_erp_bridge/models/sale_order.py", "SaleOrder._compute_crm_reconciliation"): (
        1, ERP_MATRIX + "test_order_and_lead_figures",
        "Reads the report row of an order the reader may open.",
    ),
    ("crm_erp_bridge/models/sale_order_line.py",
     "SaleOrderLine._cron_create_renewal_opportunities"): (
        1, "crm_erp_bridge/tests/test_renewal.py::TestRenewal::test_renewal_created_once",
        "Cron: reads the notice period parameter.",
    ),
    # crm_helpdesk: portal and public routes (the HTTP tests request them as
    # portal users of two customers and as the public user)
    ("crm_helpdesk/controllers/portal.py", "_crm_helpdesk_portal_companies"): (
        1, HELPDESK_ROUTES + "test_new_ticket_form",
        "Reads the companies of the customer to offer their teams only.",
    ),
    ("crm_helpdesk/controllers/portal.py",
     "CrmHelpdeskCustomerPortal.portal_my_support_tickets"): (
        1, HELPDESK_ROUTES + "test_ticket_list",
        "Renders tickets already searched with the portal user's rules.",
    ),
    ("crm_helpdesk/controllers/portal.py",
     "CrmHelpdeskCustomerPortal._crm_helpdesk_linked_documents"): (
        1, HELPDESK_ROUTES + "test_ticket_page",
        "Lists linked documents after checking the portal user may read each.",
    ),
    ("crm_helpdesk/controllers/portal.py",
     "CrmHelpdeskCustomerPortal._crm_helpdesk_form_values"): (
        3, HELPDESK_ROUTES + "test_new_ticket_form",
        "Reads published teams and categories of the customer's companies.",
    ),
    ("crm_helpdesk/controllers/portal.py",
     "CrmHelpdeskCustomerPortal._crm_helpdesk_form_create"): (
        2, HELPDESK_ROUTES + "test_new_ticket_post",
        "Creates the ticket of the portal user's own contact in an allowed team.",
    ),
    ("crm_helpdesk/controllers/portal.py",
     "CrmHelpdeskCustomerPortal.portal_support_answers"): (
        1, HELPDESK_ROUTES + "test_knowledge_base",
        "Searches published answers only.",
    ),
    ("crm_helpdesk/controllers/portal.py", "CrmHelpdeskCustomerPortal.portal_support_answer"): (
        1, HELPDESK_ROUTES + "test_knowledge_base",
        "Shows an answer only when it is published.",
    ),
    # crm_helpdesk: ticket workflow
    ("crm_helpdesk/models/crm_helpdesk_stage.py",
     "CrmHelpdeskStage._unlink_except_used_by_tickets"): (
        1, SLA + "TestAssignmentAndMerge::test_stage_in_use_cannot_be_deleted",
        "Counts tickets of every agent so that a used stage is kept.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_team.py", "CrmHelpdeskTeam._get_next_assignee"): (
        2, SLA + "TestAssignmentAndMerge::test_round_robin",
        "Counts open tickets per agent and stores the last assignee.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._on_stage_change"): (
        1, SLA + "TestSlaClock::test_pause_and_resume_in_waiting_stage",
        "Agents only read SLA lines; the clock of the ticket's own lines is updated.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._on_closed"): (
        2, SLA + "TestSlaClock::test_first_response_and_resolution_reached",
        "Marks the ticket's own SLA targets reached.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._sla_apply"): (
        6, SLA + "TestSlaClock::test_policy_criteria",
        "Applies the policies of the ticket's company to the ticket's own lines.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._notify_sla_escalation"): (
        1, SLA + "TestEscalation::test_escalation_fires_once_per_level",
        "Posts the escalation note from the cron.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket.action_merge_into"): (
        2, SLA + "TestAssignmentAndMerge::test_merge_rejects_other_customer",
        "Moves messages and attachments between tickets of one customer.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._is_ticket_participant"): (
        1, "crm_helpdesk/tests/test_mail_gateway.py::TestMailGateway::"
           "test_subject_reference_of_stranger_opens_new_ticket",
        "Checks whether a mail sender is an employee; returns a boolean.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._on_first_response"): (
        2, SLA + "TestSlaClock::test_first_response_and_resolution_reached",
        "Stores the first response of the ticket being answered.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._reopen_on_customer_reply"): (
        2, SLA + "TestSlaClock::test_reopen_on_customer_reply",
        "The customer's reply reopens their own ticket.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py",
     "CrmHelpdeskTicket._leave_waiting_on_customer_reply"): (
        1, SLA + "TestSlaClock::test_customer_reply_ends_waiting",
        "The customer's reply moves their own ticket out of waiting.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py",
     "CrmHelpdeskTicket._find_by_subject_reference"): (
        2, "crm_helpdesk/tests/test_mail_gateway.py::TestMailGateway::"
           "test_subject_reference_of_stranger_opens_new_ticket",
        "Threads a mail by ticket number only for a sender of that ticket.",
    ),
    ("crm_helpdesk/models/crm_helpdesk_ticket.py", "CrmHelpdeskTicket._portal_rating_token"): (
        1, "crm_helpdesk/tests/test_tour.py::TestTicketTour::test_portal_ticket_answer_and_rating",
        "Returns the rating token of the ticket's own customer.",
    ),
    ("crm_helpdesk/models/res_partner.py", "ResPartner._compute_crm_helpdesk_figures"): (
        1, HELPDESK_MATRIX + "test_customer_figures",
        "Counts of the enabled companies only; never raises for a salesperson.",
    ),
    ("crm_helpdesk/models/res_partner.py",
     "ResPartner._crm_helpdesk_get_support_cost_by_partner"): (
        1, "crm_helpdesk/tests/test_reports.py::TestReports::test_support_cost_per_customer",
        "Totals of the enabled companies for the account health.",
    ),
    ("crm_helpdesk/wizards/crm_helpdesk_workload.py", "CrmHelpdeskWorkload._compute_workload"): (
        2, "crm_helpdesk/tests/test_reports.py::TestReports::test_agent_workload_next_days",
        "Hours per agent of the reader's teams; no ticket is returned.",
    ),
    # crm_pipeline
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_close_stage_history"): (
        1, STAGE_HISTORY + "test_stage_changes_record_durations",
        "Salespeople only read the history; moving a deal writes it for them.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_track_stage_change"): (
        1, PIPELINE_MATRIX + "test_deals_and_stage_history",
        "Salespeople only read the history; moving a deal writes it for them.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_create_stage_history_from_dates"): (
        2, STAGE_HISTORY + "test_imported_won_deal_history_from_dates",
        "Rebuilds the history of imported deals.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_get_last_activity_dates"): (
        1, RISK + "test_no_activity_for_n_days",
        "Reads message dates of the deals being checked; returns dates only.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_get_usual_stage_days"): (
        1, RISK + "test_stuck_longer_than_team_usual_time",
        "Averages stage durations of the team; returns numbers only.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_get_expired_quote_lead_ids"): (
        1, RISK + "test_expired_quote",
        "Reads quotation validity dates; returns lead ids the caller already has.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_get_escalated_partner_ids"): (
        1, "crm_erp_bridge/tests/test_account_health.py::TestAccountHealth::"
           "test_churn_risk_with_reasons",
        "Salespeople have no ticket rights; returns customer ids only.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_track_customer_reply"): (
        1, "crm_pipeline/tests/test_automation.py::TestFollowUpAutomation::"
           "test_reply_cancels_pending_followup_activity",
        "A customer's mail updates the deal it answers.",
    ),
    ("crm_pipeline/models/crm_lead.py", "CrmLead._crm_cancel_followup"): (
        2, "crm_pipeline/tests/test_automation.py::TestFollowUpAutomation::"
           "test_reply_cancels_pending_followup_activity",
        "A customer's mail closes the pending follow-up of the deal it answers.",
    ),
    ("crm_pipeline/models/crm_pipeline_import_reference.py",
     "ReferenceDataImporter._get_or_create_users"): (
        1, "crm_pipeline/tests/test_import_maven.py::TestImportMaven::test_reference_data",
        "Finds archived salespeople too; the import is for sales managers only.",
    ),
    ("crm_pipeline/models/crm_pipeline_import_reference.py",
     "ReferenceDataImporter._check_account_row"): (
        1, "crm_pipeline/tests/test_import_maven.py::TestImportMaven::test_reference_data",
        "Creates a missing industry, a base list sales managers may not edit.",
    ),
}
