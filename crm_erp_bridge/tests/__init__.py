from . import test_install
from . import test_document_flow
from . import test_quote_to_cash_report
from . import test_pipeline_sales
from . import test_security
from . import test_renewal
from . import test_account_health
from . import test_tour
