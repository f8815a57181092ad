from . import crm_log_interaction
from . import crm_data_quality_dashboard
