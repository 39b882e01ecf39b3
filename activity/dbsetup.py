"""PostgreSQL-only DDL of the activity app: what Django's model ``Meta`` cannot say portably.

The admin searches ``^username`` and ``^email`` (``istartswith``), which Django writes on
PostgreSQL as ``UPPER("col"::text) LIKE UPPER('term%')``. A B-tree on
``UPPER(col) text_pattern_ops`` serves exactly that expression whatever the database's
collation (see ``ReadOnlyLogAdmin.search_fields`` for why a prefix index rather than
``pg_trgm``). ``text_pattern_ops`` is PostgreSQL's, so the indexes cannot be declared in
``Meta`` (SQLite would reject them); SQLite keeps plain tables.

Run by migration 0004 and, idempotently, after every ``migrate`` (``post_migrate``), so a
database built without migrations (the test suite's ``--nomigrations``) has them too.
"""

SEARCH_INDEX_TABLES = {
    "activity_loginlog": "activity_login",
    "activity_securitylog": "activity_security",
    "activity_mfalog": "activity_mfa",
}
SEARCH_COLUMNS = (("username", "uname"), ("email", "email"))


def create_search_indexes(connection):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table, prefix in SEARCH_INDEX_TABLES.items():
            for column, short in SEARCH_COLUMNS:
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{prefix}_{short}_idx" ON "{table}" '
                    f'(UPPER("{column}"::text) text_pattern_ops)'
                )


def drop_search_indexes(connection):
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for prefix in SEARCH_INDEX_TABLES.values():
            for _, short in SEARCH_COLUMNS:
                cursor.execute(f'DROP INDEX IF EXISTS "{prefix}_{short}_idx"')


def on_post_migrate(sender, using="default", **kwargs):
    from django.db import connections

    create_search_indexes(connections[using])
