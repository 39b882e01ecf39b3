"""DDL of the activity app that Django's model ``Meta`` cannot say portably: the prefix-search
indexes (PostgreSQL) and the triggers that keep the hourly counters (SQLite and PostgreSQL).

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


# --- Hourly counters kept by the database ------------------------------------------------------
#
# Every log row is counted in ``EventCount`` (and a failed login with an IP also in
# ``FailedLoginSource``) by an AFTER INSERT trigger on its log table: the count is written by
# the same statement as the row, so it is in the same transaction by construction (a row is
# never committed without its count, nor a count without its row), rows inserted any other way
# (bulk_create, an import, SQL) are counted too, and the flow pays one query per audit row
# instead of two (the trigger runs inside the database: no round trip, no ORM). The stripe is
# ``id % 8``: consecutive rows of concurrent logins increment different counter rows, so they
# do not queue on one row lock until their transactions commit. On PostgreSQL the triggers are
# defined on the partitioned parents, so every partition (and every month created later) has
# them. Other databases keep counting in Python (``activity.services._count``).

COUNTED_BY_TRIGGER = frozenset({"sqlite", "postgresql"})
COUNT_SHARDS = 8
LOG_NAMES = {
    "activity_loginlog": "login",
    "activity_securitylog": "security",
    "activity_mfalog": "mfa",
}
TRIGGER = "activity_count"

_SQLITE_HOUR = "substr(NEW.created_at, 1, 13) || ':00:00'"  # Django's text, UTC
_PG_HOUR = "date_trunc('hour', NEW.created_at, 'UTC')"


def _event_count_upsert(table, hour, qualify):
    method = "''" if table == "activity_securitylog" else "NEW.method"
    count = '"activity_eventcount"."count"' if qualify else '"count"'
    # Only the constants above are formatted in (table and log names, column expressions).
    return (
        'INSERT INTO "activity_eventcount" ("log", "hour", "event", "method", "shard", "count") '  # noqa: S608
        f"VALUES ('{LOG_NAMES[table]}', {hour}, NEW.event, {method}, NEW.id % {COUNT_SHARDS}, 1) "
        'ON CONFLICT ("log", "hour", "event", "method", "shard") '
        f'DO UPDATE SET "count" = {count} + 1;'
    )


def _failed_source_upsert(hour, qualify):
    failures = '"activity_failedloginsource"."failures"' if qualify else '"failures"'
    return (
        'INSERT INTO "activity_failedloginsource" ("hour", "ip_address", "username", "failures") '
        f"SELECT {hour}, NEW.ip_address, lower(NEW.username), 1 "
        "WHERE NEW.event = 'failed' AND NEW.ip_address IS NOT NULL "
        'ON CONFLICT ("hour", "ip_address", "username") '
        f'DO UPDATE SET "failures" = {failures} + 1;'
    )


def _login_profile_upsert(qualify):
    """A login row counts in its user's ``UserProfile`` (``login_count``, ``last_login_ip``,
    ``last_login_at``), creating the profile of a user who has none. The last login is the
    latest row's (an imported older row only adds to the count)."""

    def column(name):
        return f'"activity_userprofile"."{name}"' if qualify else f'"{name}"'

    newer = (
        f"({column('last_login_at')} IS NULL OR {column('last_login_at')} <= "
        'excluded."last_login_at")'
    )
    return (
        'INSERT INTO "activity_userprofile" ("user_id", "created_at", "signup_ip", "referral", '
        '"login_count", "last_login_ip", "last_login_at", "trial_started_at", "trial_ends_at") '
        "SELECT NEW.user_id, NEW.created_at, NULL, '', 1, NEW.ip_address, NEW.created_at, "
        "NULL, NULL WHERE NEW.event = 'login' AND NEW.user_id IS NOT NULL "
        'ON CONFLICT ("user_id") DO UPDATE SET '
        f'"login_count" = {column("login_count")} + 1, '
        f'"last_login_ip" = CASE WHEN {newer} THEN excluded."last_login_ip" '
        f"ELSE {column('last_login_ip')} END, "
        f'"last_login_at" = CASE WHEN {newer} THEN excluded."last_login_at" '
        f"ELSE {column('last_login_at')} END;"
    )


def _body(table, hour, qualify, *, profiles=True):
    body = _event_count_upsert(table, hour, qualify)
    if table == "activity_loginlog":
        body += " " + _failed_source_upsert(hour, qualify)
        if profiles:
            body += " " + _login_profile_upsert(qualify)
    return body


def create_counter_triggers(connection, *, profiles=True):
    """Create (or replace) the counting triggers. ``profiles``: the login log's trigger also
    keeps the profile's login counter (migration 0013; 0011 created them without it)."""
    if connection.vendor not in COUNTED_BY_TRIGGER:
        return
    with connection.cursor() as cursor:
        for table in LOG_NAMES:
            body = _body(
                table,
                _SQLITE_HOUR if connection.vendor == "sqlite" else _PG_HOUR,
                qualify=connection.vendor != "sqlite",
                profiles=profiles,
            )
            if connection.vendor == "sqlite":
                # SQLite cannot replace a trigger: drop and create (in the migration's or the
                # post_migrate's transaction, so no row is ever inserted without it).
                cursor.execute(f'DROP TRIGGER IF EXISTS "{TRIGGER}_{table}"')
                cursor.execute(
                    f'CREATE TRIGGER "{TRIGGER}_{table}" AFTER INSERT ON "{table}" '
                    f"FOR EACH ROW BEGIN {body} END"
                )
                continue
            function = f"{table}_count_row"
            cursor.execute(
                f'CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql '
                f"AS $$ BEGIN {body} RETURN NULL; END $$"
            )
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                [TRIGGER, table],
            )
            if cursor.fetchone() is None:
                cursor.execute(
                    f'CREATE TRIGGER "{TRIGGER}" AFTER INSERT ON "{table}" '
                    f'FOR EACH ROW EXECUTE FUNCTION "{function}"()'
                )


def drop_counter_triggers(connection):
    if connection.vendor not in COUNTED_BY_TRIGGER:
        return
    with connection.cursor() as cursor:
        for table in LOG_NAMES:
            if connection.vendor == "sqlite":
                cursor.execute(f'DROP TRIGGER IF EXISTS "{TRIGGER}_{table}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{TRIGGER}" ON "{table}"')
                cursor.execute(f'DROP FUNCTION IF EXISTS "{table}_count_row"()')


def counted_by_trigger(connection) -> bool:
    """True where the triggers above count the log rows and a login in its user's profile
    (the services then do not)."""
    return connection.vendor in COUNTED_BY_TRIGGER


TRIGGER_MIGRATION = ("activity", "0011_counter_triggers")
PROFILE_MIGRATION = ("activity", "0013_login_profile_trigger")


def _counter_triggers_wanted(connection) -> bool:
    """After every ``migrate``: where migration 0011 is applied (a rollback past it dropped
    them, and must not get them back), or where the app has no migrations (the test suite's
    ``--nomigrations`` builds the tables from the models)."""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    module, _ = MigrationLoader.migrations_module("activity")
    if module is None:
        return True
    return TRIGGER_MIGRATION in MigrationRecorder(connection).applied_migrations()


def _profile_counting_wanted(connection) -> bool:
    """Migration 0013 applied (or no migrations): the login trigger keeps the profile too."""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    module, _ = MigrationLoader.migrations_module("activity")
    if module is None:
        return True
    return PROFILE_MIGRATION in MigrationRecorder(connection).applied_migrations()


def on_post_migrate(sender, using="default", **kwargs):
    from django.db import connections

    connection = connections[using]
    create_search_indexes(connection)
    if connection.vendor in COUNTED_BY_TRIGGER and _counter_triggers_wanted(connection):
        create_counter_triggers(connection, profiles=_profile_counting_wanted(connection))
