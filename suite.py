#!/usr/bin/env python3
"""Entry point of the CRM suite: serve it, test it, benchmark it.

python3 suite.py run       serve Odoo with the suite and the Maven pipeline
python3 suite.py test      fresh database, every test, one closing line
python3 suite.py --help    all commands and options
"""

import sys

from suitetools.cli import main

if __name__ == "__main__":
    sys.exit(main())
