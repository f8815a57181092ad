from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_module_installed_with_dependencies(self):
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["crm_helpdesk", "crm_core", "portal", "rating", "resource"])]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 5)
