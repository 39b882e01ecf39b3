"""Monthly range partitions of the log tables on PostgreSQL (declarative partitioning).

Why: at tens of millions of rows, retention is a ``DROP`` of a month's partition instead of
millions of ``DELETE``s (no bloat, no vacuum debt), and every query bounded in time (the
changelist's date drill-down, the digests, the counters' rebuild) touches only its months.

How (plain SQL, run by migration 0006 on PostgreSQL only; SQLite keeps plain tables):

- each log table becomes ``PARTITION BY RANGE (created_at)`` with one partition per UTC
  month, ``<table>_pYYYYMM``, and a ``<table>_default`` partition so that an insert never
  fails if the monthly job fell behind (``manage.py partition_activity`` creates the coming
  months and moves any row that landed in the default partition into its month);
- the primary key must hold the partition key, so it is ``(id, created_at)``. Django keeps
  ``id`` as the model's primary key: ids still come from one identity sequence, so they stay
  unique, and every lookup by ``id`` is unchanged. Nothing references the log tables by a
  foreign key (they only reference users);
- every index Django declared (same names) is recreated on the parent, so it cascades to each
  partition; the migration copies the rows across in its transaction, so run it off-peak on
  a big table.

Only identifiers (the constant table names, and names read from the catalog) are formatted
into the SQL here; values are parameters.

Row estimates: autovacuum never analyses a partitioned parent, so the admin's estimated count
sums the partitions' ``reltuples`` (``estimated_rows``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

LOG_TABLES = ("activity_loginlog", "activity_securitylog", "activity_mfalog")
MONTHS_AHEAD = 3


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def _month(day: date) -> date:
    return date(day.year, day.month, 1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _bound(month: date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


def partition_table(cursor, table: str, *, today: date | None = None) -> None:
    """Turn the plain ``table`` into a partitioned one, rows, indexes and keys included."""
    if is_partitioned(cursor, table):
        return
    old = f"{table}_unpartitioned"
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), x.indisprimary FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    for name, _, _ in indexes:
        cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:50]}_old"')
    cursor.execute(
        f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING IDENTITY) '
        "PARTITION BY RANGE (created_at)"
    )
    cursor.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, created_at)'
    )
    for _name, definition, primary in indexes:
        if not primary:
            cursor.execute(definition)  # "CREATE INDEX <name> ON public.<table> ..."
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    cursor.execute(f'SELECT MIN(created_at) FROM "{old}"')  # noqa: S608
    (first,) = cursor.fetchone()
    today = today or datetime.now(UTC).date()
    start = _month(first.astimezone(UTC).date()) if first else _month(today)
    ensure_partitions(cursor, table, start=start, today=today)
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')  # noqa: S608
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
        f'GREATEST((SELECT MAX(id) FROM "{old}"), 1))',
        [table],
    )
    # Deferred foreign-key checks of rows written earlier in this transaction run now:
    # a table with pending trigger events cannot be dropped.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f'DROP TABLE "{old}"')


def ensure_partitions(cursor, table: str, *, start: date | None = None, today=None) -> list[str]:
    """Create the monthly partitions from ``start`` (default: this month) to
    ``MONTHS_AHEAD`` months ahead; rows already in the default partition for a new month are
    moved into it. Returns the partitions created."""
    today = today or datetime.now(UTC).date()
    month = start or _month(today)
    last = _month(today)
    for _ in range(MONTHS_AHEAD):
        last = _next_month(last)
    created = []
    while month <= last:
        name = _partition_name(table, month)
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
        if cursor.fetchone() is None:
            _create_partition(cursor, table, name, month)
            created.append(name)
        month = _next_month(month)
    return created


def _create_partition(cursor, table, name, month):
    low, high = _bound(month), _bound(_next_month(month))
    default = f"{table}_default"
    cursor.execute(
        f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE created_at >= %s AND created_at < %s)',  # noqa: S608
        [low, high],
    )
    (stranded,) = cursor.fetchone()
    if not stranded:
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)',
            [low, high],
        )
        return
    # Rows landed in the default partition: take it out, make the month, move them, put back.
    cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{default}"')
    cursor.execute(
        f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM (%s) TO (%s)', [low, high]
    )
    cursor.execute(
        f'INSERT INTO "{table}" SELECT * FROM "{default}" WHERE created_at >= %s AND created_at < %s',  # noqa: S608
        [low, high],
    )
    cursor.execute(
        f'DELETE FROM "{default}" WHERE created_at >= %s AND created_at < %s',  # noqa: S608
        [low, high],
    )
    cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{default}" DEFAULT')


def monthly_partitions(cursor, table: str) -> list[tuple[date, str]]:
    """``[(month, partition name), ...]`` of ``table``, oldest first."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass",
        [table],
    )
    months = []
    prefix = f"{table}_p"
    for (name,) in cursor.fetchall():
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            stamp = name[len(prefix) :]
            months.append((date(int(stamp[:4]), int(stamp[4:]), 1), name))
    return sorted(months)


def drop_partitions_before(cursor, table: str, cutoff: datetime) -> int:
    """Drop every monthly partition wholly older than ``cutoff``; return the rows dropped."""
    dropped = 0
    limit = cutoff.astimezone(UTC)
    for month, name in monthly_partitions(cursor, table):
        end = datetime.combine(_next_month(month), datetime.min.time(), tzinfo=UTC)
        if end > limit:
            break
        cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608
        dropped += cursor.fetchone()[0]
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')
    return dropped


def estimated_rows(cursor, table: str) -> int | None:
    """The planner's row estimate of ``table``, summed over its partitions if it has any."""
    cursor.execute(
        "SELECT SUM(GREATEST(c.reltuples, 0))::bigint, BOOL_OR(c.reltuples >= 0) FROM pg_class c "
        "WHERE c.oid = %s::regclass "
        "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
        [table, table],
    )
    total, known = cursor.fetchone()
    return int(total) if known else None
