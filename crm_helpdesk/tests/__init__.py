from . import test_install
from . import test_mail_gateway
from . import test_portal
from . import test_reports
from . import test_sla
from . import test_tour
