"""Table-driven access checks shared by the access matrix tests of the suite.

A cell is ``(user key, model, operation, target, expected outcome)``. Each cell
runs as that user inside a savepoint that is rolled back, so that a write or an
unlink of one cell never changes what the next cell sees.

Operations and their targets:

- ``"read"``: target ``(domain, field)``; the outcome is the sorted list of the
  field's values on the records the user finds (``display_name`` when the
  field is ``None``).
- ``"count"``: target ``domain``; the outcome is the number of records found.
- ``"write"``: target ``(record, values)``; the outcome is ``ALLOWED``.
- ``"create"``: target ``values``; the outcome is ``ALLOWED``.
- ``"unlink"``: target ``record``; the outcome is ``ALLOWED``.
- ``"call"``: target a function of the model as that user; the outcome is
  what the function returns.

Any operation raising ``AccessError`` has the outcome ``DENIED``.
"""

import logging

from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)

ALLOWED = "allowed"
DENIED = "AccessError"


class AccessMatrixMixin:
    """Run access cells as real users; mix into a ``TransactionCase``."""

    def run_access_matrix(self, users, cells):
        """Check every cell of ``cells`` with the users of ``users`` {key: res.users}.

        Log the figures of the matrix: cells, users and denied cells.
        """
        for user_key, model, operation, target, expected in cells:
            with self.subTest(user=user_key, model=model, operation=operation, target=target):
                outcome = self._access_outcome(users[user_key], model, operation, target)
                self.assertEqual(
                    outcome,
                    expected,
                    f"{operation} on {model} as {user_key}",
                )
        denied = sum(1 for cell in cells if cell[4] == DENIED)
        _logger.info(
            "Access matrix %s.%s: %s cells, %s denied, users %s",
            type(self).__module__.split(".")[2],
            self._testMethodName,
            len(cells),
            denied,
            ",".join(sorted({cell[0] for cell in cells})),
        )

    def _access_outcome(self, user, model, operation, target):
        Model = self.env[model].with_user(user)
        savepoint = self.env.cr.savepoint()
        try:
            outcome = self._run_access_operation(Model, operation, target)
            Model.env.flush_all()
        except AccessError:
            outcome = DENIED
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)
        return outcome

    def _run_access_operation(self, Model, operation, target):
        if operation == "read":
            domain, field = target
            records = Model.search(domain)
            return sorted(records.mapped(field or "display_name"))
        if operation == "count":
            return Model.search_count(target)
        if operation == "write":
            record, values = target
            record.with_env(Model.env).write(values)
            return ALLOWED
        if operation == "create":
            Model.create(target)
            return ALLOWED
        if operation == "unlink":
            target.with_env(Model.env).unlink()
            return ALLOWED
        if operation == "call":
            return target(Model)
        raise ValueError(f"Unknown access matrix operation {operation!r}")
