"""Developer tooling of the CRM suite: PostgreSQL, Odoo, tests and benchmarks."""
