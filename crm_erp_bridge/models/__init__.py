from . import account_move
from . import account_payment
from . import crm_lead
from . import product_template
from . import res_partner
from . import sale_order
from . import sale_order_line

# SQL views last: their init() reads the columns the models above add.
from . import crm_document_flow
from . import crm_interaction
