from . import crm_helpdesk_ticket_merge
from . import crm_helpdesk_workload
