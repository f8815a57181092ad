from . import crm_helpdesk_report
