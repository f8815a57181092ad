def pre_init_hook(env):
    """Create the PostgreSQL extensions used by duplicate detection.

    pg_trgm compares names by trigram similarity and unaccent ignores accents.
    ``crm_core_unaccent`` wraps unaccent as an IMMUTABLE function so that it can
    be used in an index expression (unaccent itself is only STABLE).
    """
    cr = env.cr
    cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cr.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    cr.execute("""
        CREATE OR REPLACE FUNCTION crm_core_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """)
