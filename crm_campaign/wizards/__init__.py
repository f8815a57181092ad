from . import crm_nurture_enrol_wizard
