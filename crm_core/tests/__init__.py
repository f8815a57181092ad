from . import test_install
from . import test_customer_360
from . import test_interaction
from . import test_mail_matching
from . import test_scoring
from . import test_data_quality
from . import test_tour
from . import test_security
