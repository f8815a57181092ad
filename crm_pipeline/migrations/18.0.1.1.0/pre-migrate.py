"""Rename crm.lead.product_id to crm_product_id (suite 18.0.1.1.0).

Fields the suite adds to Odoo's models carry the crm_ prefix, so that a
module of another vendor adding its own ``product_id`` to crm.lead does not
take over the column. The rename keeps the values and the field's metadata
(translations, views refer to it by its new name after the update).
"""

from odoo.tools import sql


def migrate(cr, version):
    if not sql.column_exists(cr, "crm_lead", "product_id") or sql.column_exists(
        cr, "crm_lead", "crm_product_id"
    ):
        return
    sql.rename_column(cr, "crm_lead", "product_id", "crm_product_id")
    cr.execute(
        """
        UPDATE ir_model_fields
           SET name = 'crm_product_id'
         WHERE model = 'crm.lead' AND name = 'product_id'
           AND id IN (SELECT res_id FROM ir_model_data
                       WHERE model = 'ir.model.fields' AND module = 'crm_pipeline'
                         AND name = 'field_crm_lead__product_id')
        """
    )
    cr.execute(
        """
        UPDATE ir_model_data
           SET name = 'field_crm_lead__crm_product_id'
         WHERE model = 'ir.model.fields' AND module = 'crm_pipeline'
           AND name = 'field_crm_lead__product_id'
        """
    )
    # The stored form extension still names the old field; the update
    # validates other crm.lead views against it before it reloads this one.
    cr.execute(
        """
        UPDATE ir_ui_view view
           SET arch_db = replace(view.arch_db::text, %s, %s)::jsonb
          FROM ir_model_data xmlid
         WHERE xmlid.model = 'ir.ui.view' AND xmlid.res_id = view.id
           AND xmlid.module = 'crm_pipeline' AND xmlid.name = 'crm_lead_view_form_import'
        """,
        # The arch is stored as JSON text, where its quotes are escaped.
        ['name=\\"product_id\\"', 'name=\\"crm_product_id\\"'],
    )
