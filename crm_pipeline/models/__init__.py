from . import crm_stage
