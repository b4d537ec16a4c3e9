"""The tables rules read, built from the operational database for one evaluation.

The database is read with two plain queries (the records, and whom each names)
streamed in batches as Arrow; everything else (flattening ``details``, each
person's birth date, ages, the data-quality checks) is done set-based in
DuckDB, which parses JSON far faster than Python and keeps memory in columns.
``as_of`` picks, for each record, the newest version received by the end of
that day, and leaves out records received later: what the partnership held then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from django.db import connection

from sightline.indicators.schema import EVENT_DETAIL_COLUMNS, SCHEMAS

BATCH = 100_000

# Where each flattened column is in feed v1's details, and its DuckDB type.
_DETAIL_PATHS: dict[str, tuple[str, str]] = {
    "setting": ("$.setting", "VARCHAR"),
    "reason": ("$.reason", "VARCHAR"),
    "injury_kind": ("$.injury.kind", "VARCHAR"),
    "injury_site": ("$.injury.site", "VARCHAR"),
    "injury_explanation": ("$.injury.explanation", "VARCHAR"),
    "independently_mobile": ("$.independently_mobile", "BOOLEAN"),
    "admitted": ("$.admitted", "BOOLEAN"),
    "service": ("$.service", "VARCHAR"),
    "outcome": ("$.outcome", "VARCHAR"),
    "category": ("$.category", "VARCHAR"),
    "child_present": ("$.child_present", "BOOLEAN"),
    "risk": ("$.risk", "VARCHAR"),
    "factor": ("$.factor", "VARCHAR"),
    "status": ("$.status", "VARCHAR"),
    "change": ("$.change", "VARCHAR"),
    "member_role": ("$.member_role", "VARCHAR"),
    "issue": ("$.issue", "VARCHAR"),
    "exclusion_kind": ("$.kind", "VARCHAR"),
    "sessions": ("$.sessions", "DOUBLE"),
    "period_start": ("$.period_start", "DATE"),
    "period_end": ("$.period_end", "DATE"),
    "sessions_possible": ("$.sessions_possible", "DOUBLE"),
    "sessions_attended": ("$.sessions_attended", "DOUBLE"),
    "weight_kg": ("$.weight_kg", "DOUBLE"),
    "height_cm": ("$.height_cm", "DOUBLE"),
    "head_circumference_cm": ("$.head_circumference_cm", "DOUBLE"),
    "birth_weight_kg": ("$.birth_weight_kg", "DOUBLE"),
    "gestation_weeks": ("$.gestation_weeks", "DOUBLE"),
}
assert set(_DETAIL_PATHS) == set(EVENT_DETAIL_COLUMNS)

# Types that cannot have happened before the child was born: one dated earlier
# is a wrong date or a wrong link, and using it could make an infant look old.
_NOT_BEFORE_BIRTH = (
    "unscheduled_care",
    "growth_measurement",
    "school_attendance",
    "school_exclusion",
    "child_protection_medical",
)

_RAW = pa.schema(
    [
        ("event_id", pa.int64()),
        ("agency", pa.string()),
        ("record_id", pa.string()),
        ("type", pa.string()),
        ("occurred_on", pa.string()),
        ("received_on", pa.string()),
        ("details", pa.string()),
    ]
)
_NAMED = pa.schema(
    [
        ("event_id", pa.int64()),
        ("role", pa.string()),
        ("person_id", pa.int64()),
        ("dob", pa.string()),
        ("sex", pa.string()),
        ("postcode", pa.string()),
    ]
)

# With the agency and local id naming each person (see _Families).
_NAMED_KEYED = pa.schema([*_NAMED, ("agency_id", pa.int64()), ("local_id", pa.string())])


@dataclass
class Tables:
    """What one evaluation reads, plus what it could not use and why."""

    tables: dict[str, Any]
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # event, field, reason
    unlinked_records: int = 0
    # A kept family's events digests (engine.event_digests), carried from build to build.
    digests: dict[str, tuple[Any, ...]] | None = None
    # Which fresh build of a kept family these tables grew from: within one, every
    # event row once built stays as it is (see _Families), so an explanation written
    # from rows of the same build holds (services._explain).
    rows_from: int | None = None


def _date_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f"substr({column}, 1, 10)"


def _known_on(basis: str) -> str:
    if basis == "received":
        return _date_sql("s.received_at")
    recorded = _date_sql("coalesce(s.recorded_at, s.occurred_at)")
    return f"coalesce({recorded}, {_text('s.occurred_on')})"


def _text(column: str) -> str:
    # On SQLite, an expression has no declared type, so Django's converters
    # leave it as the text stored, which is what the Arrow column expects.
    return f"{column}::text" if connection.vendor == "postgresql" else f"({column} || '')"


def _known(basis: str) -> str:
    """The SQL for the day the partnership held a record, by the chosen basis.

    ``received``: the day Sightline received it (what was really seen).
    ``recorded``: the day the agency recorded it, or it happened when no
    recording time was sent; for history loaded after the fact, it asks what
    Sightline would have seen had it been running then.
    """
    if basis == "received":
        return "s.received_at"
    if basis == "recorded":
        return "coalesce(s.recorded_at, s.occurred_at, s.received_at)"
    raise ValueError(f"basis {basis!r}: it must be 'received' or 'recorded'")


def _current(as_of: dt.date | None, basis: str = "received") -> tuple[str, list[Any]]:
    """The SQL choosing each record's version: current, or newest held by the end of ``as_of``."""
    if as_of is None:
        return (
            "SELECT h.source_record_id AS id FROM feeds_recordhead h",
            [],
        )
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    known, known2 = _known(basis), _known(basis).replace("s.", "s2.")
    # A record with no time at all (a date-only occurred_at) falls back to its date.
    if basis == "recorded":
        known = "coalesce(s.recorded_at, s.occurred_at, s.occurred_on)"
        known2 = "coalesce(s2.recorded_at, s2.occurred_at, s2.occurred_on)"
    return (
        f"SELECT s.id AS id FROM feeds_sourcerecord s "
        f"WHERE {known} < %s AND s.version = ("
        f" SELECT max(s2.version) FROM feeds_sourcerecord s2"
        f" WHERE s2.agency_id = s.agency_id AND s2.record_id = s.record_id"
        f" AND {known2} < %s)",
        [end, end],
    )


def _stream(sql: str, params: list[Any], schema: Any) -> Iterator[Any]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while True:
            rows = cur.fetchmany(BATCH)
            if not rows:
                return
            columns = list(zip(*rows, strict=True))
            yield pa.record_batch(
                [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
                schema=schema,
            )


# On SQLite each row comes back as one string, its columns joined by the unit
# separator, and pyarrow's CSV reader (C++) splits and types them. Fetching the
# columns one Python object each, then building Arrow arrays from them, was
# nine tenths of a 5-million-record evaluation: about 20 us a record, against 3.
# The separator and newline cannot occur inside a column: JSON text escapes
# every control character, and codes, ids and dates have none.
_SEP = "\x1f"


def _stream_sqlite(columns: list[str], rest: str, params: list[Any], schema: Any) -> Iterator[Any]:
    import pyarrow.csv as pa_csv  # type: ignore[import-untyped]

    joined = " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)
    parse = pa_csv.ParseOptions(
        delimiter=_SEP, quote_char=False, escape_char=False, newlines_in_values=False
    )
    convert = pa_csv.ConvertOptions(
        column_types=schema,
        # '' is NULL (what coalesce wrote) in the columns that may be NULL.
        null_values=[""],
        strings_can_be_null=True,
    )
    read = pa_csv.ReadOptions(column_names=schema.names, autogenerate_column_names=False)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {joined} {rest}", params)
        while True:
            rows = cur.fetchmany(BATCH)
            if not rows:
                return
            text = "\n".join([r[0] for r in rows]).encode()
            table = pa_csv.read_csv(
                pa.py_buffer(text), read_options=read, parse_options=parse, convert_options=convert
            )
            yield from table.to_batches()


def read_rows(columns: list[str], rest: str, params: list[Any], schema: Any) -> Any:
    """``SELECT columns rest`` as an Arrow table of ``schema``."""
    if connection.vendor == "sqlite":
        batches = list(_stream_sqlite(columns, rest, params, schema))
    else:
        batches = list(_stream(f"SELECT {', '.join(columns)} {rest}", params, schema))
    return pa.Table.from_batches(batches, schema=schema)


def _record_columns(basis: str) -> list[str]:
    return [
        "s.id",
        "a.code",
        "s.record_id",
        "s.type",
        _text("s.occurred_on"),
        _known_on(basis),
        _text("s.details"),
    ]


_RECORDS_FROM = "FROM feeds_sourcerecord s JOIN feeds_agency a ON a.id = s.agency_id"


def _where(
    column: str, as_of: dt.date | None, persons: Iterable[int] | None, basis: str
) -> tuple[str, list[Any]]:
    """The records to read, by the column holding a source record's id."""
    current, params = _current(as_of, basis)
    if persons is None:
        return f"WHERE {column} IN ({current})", params
    ids = sorted(set(persons))
    marks = ",".join(["%s"] * len(ids)) or "NULL"
    theirs = (
        f"{column} IN (SELECT sr2.source_record_id FROM feeds_subjectrecord sr2"
        " JOIN linkage_agencyperson ap2 ON ap2.agency_id = sr2.agency_id"
        f" AND ap2.local_id = sr2.local_id WHERE ap2.person_id IN ({marks}))"
    )
    if as_of is None:
        # Driven by the persons' records, each checked against its head by
        # the unique index on source_record_id: with ``s.id IN (every head)``
        # first, SQLite walked all the heads (5 million) for one child.
        return (
            f"WHERE {theirs} AND EXISTS (SELECT 1 FROM feeds_recordhead h"
            f" WHERE h.source_record_id = {column})",
            ids,
        )
    return f"WHERE {theirs} AND {column} IN ({current})", ids + params


def _read_named(
    as_of: dt.date | None, persons: Iterable[int] | None, basis: str, *, keyed: bool = False
) -> Any:
    """Whom each record names (``raw_named``); ``keyed``: with the agency and local id too."""
    # Whom each record names needs nothing from the record itself: joining
    # feeds_sourcerecord here cost a fifth of this query on SQLite.
    named_where, named_params = _where("sr.source_record_id", as_of, persons, basis)
    return _read_named_where(named_where, named_params, keyed=keyed)


def _read_named_where(where: str, params: list[Any], *, keyed: bool) -> Any:
    return read_rows(
        [
            "sr.source_record_id",
            "sr.role",
            "ap.person_id",
            _text("sr.date_of_birth"),
            "sr.sex",
            "sr.postcode",
            *(["sr.agency_id", "sr.local_id"] if keyed else []),
        ],
        "FROM feeds_subjectrecord sr LEFT JOIN linkage_agencyperson ap "
        f"ON ap.agency_id = sr.agency_id AND ap.local_id = sr.local_id {where}",
        params,
        _NAMED_KEYED if keyed else _NAMED,
    )


def raw_tables(
    *,
    as_of: dt.date | None = None,
    persons: Iterable[int] | None = None,
    basis: str = "received",
) -> tuple[Any, Any]:
    """The records (with details as JSON text) and whom each names, from the database.

    ``persons`` limits both to the records naming those persons (per-child evaluation).
    """
    records_where, records_params = _where("s.id", as_of, persons, basis)
    read_records = functools.partial(
        read_rows,
        _record_columns(basis),
        f"{_RECORDS_FROM} {records_where}",
        records_params,
        _RAW,
    )
    read_named = functools.partial(_read_named, as_of, persons, basis)
    if persons is not None or connection.in_atomic_block:
        # One child's reads take milliseconds; and inside a transaction another
        # connection would not see what it has written.
        return read_records(), read_named()
    return _at_once(read_records, read_named)


def _at_once(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Two population reads at once, the second on its own connection in a thread.

    The database's work and pyarrow's parsing release the GIL, so on two cores
    the reads overlap: together they were over half a population evaluation.
    """

    def in_thread() -> Any:
        try:
            return second()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(in_thread)
        return first(), later.result()


def tables_build(
    *,
    as_of: dt.date | None = None,
    persons: Iterable[int] | None = None,
    today: dt.date,
    basis: str = "received",
) -> Tables:
    """Build ``events`` and ``persons`` (and the data-quality warnings) for one evaluation.

    ``relations`` and ``growth`` are added by the caller: the first comes from
    linkage, the second needs ``events``.
    """
    from sightline.indicators.engine import duckdb_connection

    on = as_of or today
    if persons is not None and as_of is None:
        return FAMILIES.build(set(persons), on, basis)
    records, named = raw_tables(as_of=as_of, persons=persons, basis=basis)
    if persons is not None:
        return _build_small(records, named, on)
    con = duckdb_connection()
    try:
        con.register("raw_records", records)
        con.register("raw_named", named)
        unlinked_count = int(
            con.sql(
                "SELECT count(DISTINCT event_id) FROM raw_named WHERE person_id IS NULL"
            ).fetchall()[0][0]
        )
        persons_table = con.sql(_PERSONS_SQL.replace("$1", f"DATE '{on.isoformat()}'"))
        persons_table = persons_table.to_arrow_table()
        con.register("persons_t", persons_table)
        # In no particular order: rules are SQL and order what they need. Sorting
        # 6.5 million wide rows by person and date took 10 of a population
        # evaluation's seconds, for nothing that read the order.
        flat = con.sql(_FLAT_SQL).to_arrow_table()
        warnings = _warnings(flat)
        events = _without(flat, warnings).cast(SCHEMAS["events"])
        persons_table = persons_table.cast(SCHEMAS["persons"])
    finally:
        con.close()
    return Tables(
        tables={"events": events, "persons": persons_table},
        warnings=[(int(e), str(f), str(r)) for e, f, r in warnings],
        unlinked_records=unlinked_count,
    )


def _scan_build(
    cursor: Any,
    sql: str,
    raw_records: Any,
    raw_named: Any,
    persons_t: Any,
    params: list[Any] | None = None,
) -> Any:
    """``sql``'s rows as Arrow, the tables it names found among the arguments.

    As the rules' warm cursors do (engine.scan_rows, which says why): registering
    the three tables and letting them go cost about 2 ms of the 8 a child's new
    record took to flatten, more than preparing the statement saved.
    """
    return cursor.sql(sql, params=params).to_arrow_table()


class _SmallBuild:
    """A warm cursor for a few people's records (a child and their family).

    What pyarrow does as fast (counting the unlinked, leaving out the refused)
    is done there.
    """

    def __init__(self) -> None:
        from sightline.indicators.engine import duckdb_connection

        self.lock = threading.Lock()
        self.cursor = duckdb_connection(small=True)

    def persons(self, records: Any, named: Any, on: dt.date) -> Any:
        """Each person's birth date, sex, area and whether a child on ``on`` (DuckDB's rows)."""
        empty = SCHEMAS["persons"].empty_table()
        with self.lock:
            return _scan_build(self.cursor, _PERSONS_SQL, records, named, empty, [on])

    def events(
        self, records: Any, named: Any, persons_table: Any
    ) -> tuple[Any, list[tuple[int, str, str]]]:
        """``events`` of these records (without those not fit to be evidence), and the warnings."""
        with self.lock:
            flat = _scan_build(self.cursor, _FLAT_SQL, records, named, persons_table)
        warnings = _warnings(flat)
        return _without(flat, warnings).cast(SCHEMAS["events"]), warnings

    def build(self, records: Any, named: Any, on: dt.date) -> Tables:
        persons_table = self.persons(records, named, on)
        events, warnings = self.events(records, named, persons_table)
        return Tables(
            tables={"events": events, "persons": persons_table.cast(SCHEMAS["persons"])},
            warnings=warnings,
            unlinked_records=_unlinked(named),
        )


def _unlinked(named: Any) -> int:
    """How many records name someone linkage has not placed."""
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    return len(pc.unique(named.filter(pc.is_null(named["person_id"]))["event_id"]))


_SMALL: _SmallBuild | None = None
_SMALL_LOCK = threading.Lock()


def _build_small(records: Any, named: Any, on: dt.date) -> Tables:
    return _small().build(records, named, on)


def _small() -> _SmallBuild:
    global _SMALL
    with _SMALL_LOCK:
        if _SMALL is None:
            _SMALL = _SmallBuild()
        return _SMALL


def _sorted(table: Any, keys: list[str]) -> Any:
    return table.sort_by([(k, "ascending") for k in keys])


@dataclass
class _Family:
    """What a family's last build read and made, to build the next from (see _Families)."""

    on: dt.date
    signature: dict[int, str]  # each current record's id: its content hash
    linked: dict[tuple[int, str], int | None]  # each (agency, local id) named: its person
    named: Any  # whom each record names
    records: Any  # the records as read (details as JSON text)
    persons: Any  # persons as DuckDB made them, sorted
    built: Tables  # with the events' digests


class _Families:
    """A few families' records and built tables, kept in process, for re-evaluating a child.

    After a new record about a child, reading every record of the family again,
    with whom each names, and flattening every record's details was about a
    third of the re-evaluation. Records and whom they name are immutable once
    written (a new version is a new row); only linkage can change who someone
    is. So each build reads each current record's id and content hash (see
    ``_heads``), and the person each (agency, local id) the family's records
    name is linked to now. When the kept records are all still there,
    unchanged, the same people are linked as before, and the persons (birth
    dates, sexes, areas) come out the same, only the new records are read and
    flattened and their events added to the kept ones. Anything else (a record gone: a new
    version or one deleted under retention; a re-link; a new birth date that
    changes a person) builds the family afresh, so the tables are always those
    a fresh build would make (``tests/indicators/test_family_cache.py``).
    """

    LIMIT = 200  # families; least recently used go first

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, _Family] = OrderedDict()
        self._lock = threading.Lock()
        self.reused = 0
        self._fresh_builds = itertools.count(1)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def build(self, persons: set[int], on: dt.date, basis: str) -> Tables:
        import pyarrow.compute as pc

        from sightline.indicators.engine import event_digests, event_digests_add

        key = (frozenset(persons), basis, connection.vendor, connection.settings_dict["NAME"])
        signature = _heads(persons)
        with self._lock:
            kept = self._kept.get(key)
        small = _small()
        if (
            kept is not None
            and kept.on == on
            and all(signature.get(i) == v for i, v in kept.signature.items())
            and _linked(set(kept.linked)) == kept.linked
        ):
            added = sorted(set(signature) - set(kept.signature))
            named, records, linked = kept.named, kept.records, dict(kept.linked)
            if added:
                marks = ",".join(["%s"] * len(added))
                keyed = _read_named_where(
                    f"WHERE sr.source_record_id IN ({marks})", added, keyed=True
                )
                linked.update(_keys(keyed))
                fresh_named = keyed.select(_NAMED.names)
                fresh = read_rows(
                    _record_columns(basis), f"{_RECORDS_FROM} WHERE s.id IN ({marks})", added, _RAW
                )
                named = pa.concat_tables([named, fresh_named])
                records = pa.concat_tables([records, fresh])
            persons_table = (
                kept.persons
                if added and _same_persons(kept.persons, fresh_named)
                else _sorted(small.persons(records, named, on), ["person_id"])
            )
            if persons_table.equals(kept.persons):
                events, warnings = kept.built.tables["events"], list(kept.built.warnings)
                digests = kept.built.digests
                if added:
                    more, more_warnings = small.events(fresh, fresh_named, persons_table)
                    events = pa.concat_tables([events, more])
                    warnings += more_warnings
                    if digests is not None:
                        digests = event_digests_add(digests, more)
                built = Tables(
                    tables={"events": events, "persons": kept.built.tables["persons"]},
                    warnings=warnings,
                    unlinked_records=_unlinked(named),
                    digests=digests,
                    rows_from=kept.built.rows_from,
                )
                family = _Family(on, signature, linked, named, records, persons_table, built)
                self._keep(key, family)
                self.reused += 1
                return _copy(built)
        # Only the records the signature names: one that arrived between the two
        # reads is read next time as new, not kept twice.
        ids = pa.array(sorted(signature), type=pa.int64())
        where, params = _where("s.id", None, persons, basis)
        keyed = _read_named(None, persons, basis, keyed=True)
        keyed = keyed.filter(pc.is_in(keyed["event_id"], value_set=ids))
        named = keyed.select(_NAMED.names)
        records = read_rows(_record_columns(basis), f"{_RECORDS_FROM} {where}", params, _RAW)
        records = records.filter(pc.is_in(records["event_id"], value_set=ids))
        persons_table = _sorted(small.persons(records, named, on), ["person_id"])
        events, warnings = small.events(records, named, persons_table)
        built = Tables(
            tables={"events": events, "persons": persons_table.cast(SCHEMAS["persons"])},
            warnings=warnings,
            unlinked_records=_unlinked(named),
            # Made here, once, so that later builds add only their new rows' (see
            # engine.event_digests_add).
            digests=event_digests(events),
            rows_from=next(self._fresh_builds),
        )
        family = _Family(on, signature, _keys(keyed), named, records, persons_table, built)
        self._keep(key, family)
        return _copy(built)

    def _keep(self, key: Hashable, family: _Family) -> None:
        with self._lock:
            self._kept[key] = family
            self._kept.move_to_end(key)
            while len(self._kept) > self.LIMIT:
                self._kept.popitem(last=False)


def _heads(persons: set[int]) -> dict[int, str]:
    """Each current record naming these persons: its id, and its content hash from its head.

    Read from whom records name and the heads, not from the records: reading
    each record's hash and received day from ``feeds_sourcerecord`` looked up
    every record by its id again, which for the benchmark's family of 2,200
    records cost 11.0 ms against 6.0 on PostgreSQL (16,700 buffers against
    9,700) and 3.4 against 2.4 on SQLite. A record is immutable, received day
    and all, so its id stands for it, as long as the id is not given out again
    to another record; it can be (SQLite's ingest takes max(id) + 1, so
    retention deleting the newest record frees its id; a flush restarts
    PostgreSQL's sequences), and the head's hash of the content tells that
    record apart. Only the same content received again under the same id, on
    another UTC day within the kept family's local day, would go unseen.
    """
    ids = sorted(persons)
    marks = ",".join(["%s"] * len(ids)) or "NULL"
    with connection.cursor() as cur:
        # IN, not a join: a record naming several of the family (2,900 names for
        # 2,200 records) is looked up in the heads once, and needs no DISTINCT.
        cur.execute(
            "SELECT h.source_record_id, h.content_hash FROM feeds_recordhead h"
            " WHERE h.source_record_id IN (SELECT sr.source_record_id FROM feeds_subjectrecord sr"
            " JOIN linkage_agencyperson ap ON ap.agency_id = sr.agency_id"
            f" AND ap.local_id = sr.local_id WHERE ap.person_id IN ({marks}))",
            ids,
        )
        return {int(i): h for i, h in cur.fetchall()}


def _same_persons(persons: Any, named: Any) -> bool:
    """Whether these new rows leave each person as ``_PERSONS_SQL`` made them, without running it.

    A person's birth date and sex are those most of their records give, and
    their area their latest record's: a row naming a known person with the birth
    date, sex and area they already have (or none) only adds to the majority
    (planning the persons query was a fifth of a re-evaluation's read). Anything
    else (someone new, another date, a date DuckDB might read otherwise) is left
    to the query.
    """
    known = {
        p["person_id"]: p for p in persons.select(["person_id", "dob", "sex", "area"]).to_pylist()
    }
    for row in named.to_pylist():
        if row["person_id"] is None:
            continue  # not anyone's: the query leaves it out too
        person = known.get(row["person_id"])
        if person is None:
            return False
        if row["dob"] is not None:
            try:
                dob = dt.date.fromisoformat(row["dob"])
            except ValueError:
                return False
            if person["dob"] is None or dob != person["dob"]:
                return False
        if row["sex"] in ("female", "male") and row["sex"] != person["sex"]:
            return False
        if row["postcode"]:
            area = row["postcode"].split(" ")[0]
            if person["area"] is None or area != person["area"]:
                return False
    return True


def _keys(keyed: Any) -> dict[tuple[int, str], int | None]:
    columns = [keyed[c].to_pylist() for c in ("agency_id", "local_id", "person_id")]
    return {(a, lid): p for a, lid, p in zip(*columns, strict=True)}


def pairs_where(
    first: str, second: str, pairs: Iterable[tuple[int, str]]
) -> tuple[str, list[int | str]]:
    """SQL matching rows whose (``first``, ``second``) is one of ``pairs``, with its parameters.

    One OR term a value of ``first``, its ``second`` values in an IN list: each is
    found by a composite index on both databases (SQLite scanned the whole table
    for a list of row values), in one statement where one a value of ``first``
    was a round trip each to PostgreSQL.
    """
    grouped: dict[int, list[str]] = {}
    for one, two in pairs:
        grouped.setdefault(one, []).append(two)
    terms = " OR ".join(
        f"({first} = %s AND {second} IN ({','.join(['%s'] * len(seconds))}))"
        for seconds in grouped.values()
    )
    params: list[int | str] = []
    for one, seconds in grouped.items():
        params += [one, *seconds]
    return terms, params


def _linked(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int | None]:
    """The person each (agency, local id) is linked to now (None: not linked, or no such one)."""
    found: dict[tuple[int, str], int | None] = {}
    ordered = sorted(keys)
    with connection.cursor() as cur:
        # Found by the unique (agency, local id) index (see pairs_where): one statement
        # for all agencies, where one an agency was nine round trips for a family.
        for i in range(0, len(ordered), 500):  # within any database's parameter limit
            terms, params = pairs_where("agency_id", "local_id", ordered[i : i + 500])
            cur.execute(
                f"SELECT agency_id, local_id, person_id FROM linkage_agencyperson WHERE {terms}",
                params,
            )
            found.update({(int(a), lid): p for a, lid, p in cur.fetchall()})
    return {k: found.get(k) for k in keys}


def _copy(built: Tables) -> Tables:
    """A build the caller may add to (evaluation adds relations, growth and warnings)."""
    return dataclasses.replace(built, tables=dict(built.tables), warnings=list(built.warnings))


FAMILIES = _Families()


# A person's birth date and sex: what most of their records say, the earliest date
# on a tie, so one agency's typo does not age a child. $1: the evaluation's date.
_PERSONS_SQL = """
WITH dobs AS (
  SELECT person_id, TRY_CAST(dob AS DATE) AS dob, count(*) AS n
  FROM raw_named WHERE person_id IS NOT NULL AND dob IS NOT NULL
  GROUP BY ALL),
best_dob AS (
  SELECT person_id, arg_min(dob, (-n, dob)) AS dob FROM dobs GROUP BY person_id),
sexes AS (
  SELECT person_id, sex, count(*) AS n FROM raw_named
  WHERE person_id IS NOT NULL AND sex IN ('female', 'male') GROUP BY ALL),
best_sex AS (
  SELECT person_id, arg_max(sex, n) AS sex FROM sexes GROUP BY person_id),
areas AS (
  SELECT n.person_id, arg_max(split_part(n.postcode, ' ', 1), r.occurred_on) AS area
  FROM raw_named n JOIN raw_records r USING (event_id)
  WHERE n.person_id IS NOT NULL AND n.postcode <> '' GROUP BY n.person_id),
everyone AS (SELECT DISTINCT person_id FROM raw_named WHERE person_id IS NOT NULL)
SELECT e.person_id, d.dob, s.sex, a.area,
       coalesce(d.dob > CAST($1 AS DATE) - INTERVAL 18 YEAR, FALSE) AS is_child
FROM everyone e LEFT JOIN best_dob d USING (person_id)
LEFT JOIN best_sex s USING (person_id) LEFT JOIN areas a USING (person_id)
"""


def _detail_sql(index: int, name: str, kind: str) -> str:
    text = f"r.d[{index + 1}]"
    if kind == "VARCHAR":
        return f"{text} AS {name}"
    return f"TRY_CAST({text} AS {kind}) AS {name}"


# Every path in one json_extract_string, once a record: 28 calls, each parsing the
# JSON again, and once for each person a record names, took a quarter of a
# 5-million-record evaluation.
_PATHS = "[" + ", ".join(f"'{path}'" for path, _ in _DETAIL_PATHS.values()) + "]"
_DETAILS = ",\n       ".join(
    _detail_sql(i, name, kind) for i, (name, (_, kind)) in enumerate(_DETAIL_PATHS.items())
)
_FLAT_SQL = f"""
SELECT n.event_id, n.person_id, n.role, r.agency, r.record_id, r.type,
       CAST(r.occurred_on AS DATE) AS occurred_on,
       CAST(r.received_on AS DATE) AS received_on,
       p.dob,
       CAST(date_diff('day', p.dob, CAST(r.occurred_on AS DATE)) AS INTEGER) AS age_days,
       {_DETAILS}
FROM raw_named n
JOIN (SELECT *, json_extract_string(details, {_PATHS}) AS d FROM raw_records) r USING (event_id)
JOIN persons_t p ON p.person_id = n.person_id
"""


def _without(flat: Any, warnings: list[tuple[int, str, str]]) -> Any:
    """``flat``'s events rows, without the records warned about, in the events columns."""
    import pyarrow.compute as pc

    bad = pa.array(sorted({e for e, _, _ in warnings}), type=pa.int64())
    if len(bad):
        flat = flat.filter(pc.invert(pc.is_in(flat["event_id"], value_set=bad)))
    return flat.select(SCHEMAS["events"].names)


def _warnings(flat: Any) -> list[tuple[int, str, str]]:
    """The records among ``flat``'s events not fit to be evidence: (event id, field, why).

    In pyarrow rather than a DuckDB query: for a child's new record, planning
    the query took 3 to 4 ms of the 10 its events took to build, and the few
    rows found are worded in Python either way. Each record once a reason,
    however many people it names.
    """
    import pyarrow.compute as pc

    out: set[tuple[int, str, str]] = set()
    before_birth = flat.filter(
        pc.and_(
            pc.and_(pc.equal(flat["role"], "subject"), pc.less(flat["age_days"], 0)),
            pc.is_in(flat["type"], value_set=pa.array(_NOT_BEFORE_BIRTH)),
        )
    )
    for r in before_birth.select(["event_id", "age_days", "dob", "type"]).to_pylist():
        out.add(
            (
                r["event_id"],
                "occurred_at",
                f"dated {-r['age_days']} days before the child's birth on "
                f"{r['dob'].day} {r['dob']:%B %Y}: a {r['type'].replace('_', ' ')} cannot "
                "happen before birth, so it is not used as evidence",
            )
        )
    # Filtered in pyarrow before any row becomes Python: a population has hundreds
    # of thousands of attendance records, and only the few wrong ones are worded.
    attendance = pc.equal(flat["type"], "school_attendance")
    possible, attended = flat["sessions_possible"], flat["sessions_attended"]
    unmeasurable = pc.and_(attendance, pc.less_equal(pc.coalesce(possible, 0.0), 0.0))
    too_many = pc.and_(attendance, pc.fill_null(pc.greater(attended, possible), False))
    columns = ["event_id", "sessions_possible", "sessions_attended"]
    for r in flat.filter(unmeasurable).select(columns).to_pylist():
        said = "no" if r["sessions_possible"] is None else f"{r['sessions_possible']}"
        out.add(
            (
                r["event_id"],
                "details.sessions_possible",
                f"attendance with {said} possible sessions cannot be measured: "
                "not used as evidence",
            )
        )
    for r in flat.filter(too_many).select(columns).to_pylist():
        out.add(
            (
                r["event_id"],
                "details.sessions_attended",
                f"attended {r['sessions_attended']} of {r['sessions_possible']} possible "
                "sessions is more than possible: not used as evidence",
            )
        )
    return sorted(out)
