from . import crm_quote_to_cash_print
