"""Bulk row writing, one way per database.

The ORM's ``bulk_create`` spends most of its time building model instances;
ingest writes plain tuples instead. SQLite takes them through ``executemany``
inside one transaction; PostgreSQL through ``COPY``, which is several times
faster than any INSERT. Ids are allocated here, before writing, so that rows
in one table can refer to rows in another written in the same batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

Row = Sequence[Any]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def lock_for_ingest() -> None:
    """Serialise ingests so two copies of one file cannot both insert a version.

    On SQLite the IMMEDIATE transaction already holds the write lock; on
    PostgreSQL a transaction-scoped advisory lock does the same job.
    """
    if is_postgres():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [0x5167_4C6E])


def allocate_ids(table: str, count: int) -> list[int]:
    if count == 0:
        return []
    with connection.cursor() as cur:
        if is_postgres():
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [r[0] for r in cur.fetchall()]
        # Safe because the ingest transaction holds SQLite's write lock.
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - fixed names
        start = int(cur.fetchone()[0]) + 1
        return list(range(start, start + count))


def write_rows(table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
    if not rows:
        return
    cols = ", ".join(columns)
    with connection.cursor() as cur:
        if is_postgres():
            raw = cur.cursor  # the psycopg cursor under Django's wrapper
            # Django's wrapper turns psycopg's errors into its own, as it does for
            # execute(): a connection lost mid-COPY is then a DatabaseError ingest
            # knows how to report, not a traceback.
            with (
                connection.wrap_database_errors,
                raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - fixed names
                rows,
            )


def datetime_adapter() -> Callable[[Any], Any]:
    """Datetimes as each backend stores them (SQLite: naive UTC text).

    Returned as a function looked up once per batch: going through Django's
    connection proxy for every value was a measurable share of ingest time.
    """
    return connection.ops.adapt_datetimefield_value
