from . import crm_forecast_report
from . import crm_pipeline_analysis
