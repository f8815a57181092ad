"""Keep the reasons of listed duplicates as codes (suite 18.0.1.1.0).

Before, ``crm.duplicate.pair.reasons`` stored English labels, which German
users saw untranslated. The labels are now computed in the reader's language
from ``reason_codes``; this fills the codes of the pairs already listed, so the
list does not wait for the next daily duplicate run.
"""

from odoo.tools import sql


def migrate(cr, version):
    if not sql.column_exists(cr, "crm_duplicate_pair", "reasons"):
        return
    cr.execute(
        """
        UPDATE crm_duplicate_pair
           SET reason_codes = array_to_string(ARRAY(
                   SELECT CASE label WHEN 'Email' THEN 'email' WHEN 'Phone' THEN 'phone'
                                     WHEN 'Tax ID' THEN 'vat' WHEN 'Similar name' THEN 'name' END
                     FROM unnest(string_to_array(reasons, ', ')) AS label
               ), ',')
         WHERE reason_codes IS NULL AND reasons IS NOT NULL
        """
    )
