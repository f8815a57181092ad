from odoo.tests import HttpCase, new_test_user, tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketTour(HttpCase, HelpdeskCommon):
    def test_portal_ticket_answer_and_rating(self):
        new_test_user(
            self.env, "desk_tour_alice", groups="base.group_portal", partner_id=self.contact_a1.id
        )
        self.start_tour("/my", "crm_helpdesk_portal_open_ticket", login="desk_tour_alice")
        ticket = self.env["crm.helpdesk.ticket"].search([("name", "=", "Router keeps rebooting")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.contact_a1)
        self.assertEqual(ticket.channel, "portal")

        self.start_tour(
            f"/odoo/action-crm_helpdesk.crm_helpdesk_ticket_action/{ticket.id}",
            "crm_helpdesk_agent_answer",
            login="desk_agent_1",
        )
        self.assertTrue(ticket.first_response_date, "the agent's answer is the first response")
        self.assertTrue(ticket.is_closed)

        self.start_tour(
            f"/my/support-ticket/{ticket.id}", "crm_helpdesk_portal_rate", login="desk_tour_alice"
        )
        rating = ticket.rating_ids.filtered("consumed")
        self.assertEqual(rating.rating, 5.0)
        self.assertEqual(rating.feedback, "Fixed, thank you!")
        self.assertEqual(rating.partner_id, self.contact_a1)
        self.assertEqual(ticket.rating_last_value, 5.0)
