"""Identity variants: what linkage compares, one row per distinct way an agency wrote a person.

:func:`variants_export` turns the current subject records into columns for the
engine; :func:`agency_persons_sync` makes the agency persons they need.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils import timezone

from sightline.feeds.models import RecordHead, SubjectRecord
from sightline.linkage.models import AgencyPerson
from sightline.linkage.nicknames import name_keys

# Given names that stand in for a name not yet known (a newborn's or unborn
# baby's record): they say nothing about who the person is, so they count as
# missing rather than as a name that disagrees with the one given later.
_PLACEHOLDER_GIVEN = re.compile(
    r"^(BABY|UNBORN|INFANT|NEWBORN|UNNAMED|UNKNOWN|NOT KNOWN|BABY (BOY|GIRL|OF .*)|(BOY|GIRL))$"
)

_SPACES = re.compile(r"\s+")
_PARTS = re.compile(r"[\s\-']+")


# Cached: a million records hold a few tens of thousands of distinct names and
# postcodes, and cleaning each once rather than per record halves the export.
@lru_cache(maxsize=1 << 17)
def _clean(value: str | None) -> str | None:
    """Upper case, single spaces, accents dropped (Wiśniewski and Wisniewski agree)."""
    if not value:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _SPACES.sub(" ", plain).strip().upper()
    return text or None


def clean_text(value: str | None) -> str | None:
    """A name or postcode as linkage compares it: upper case, single spaces, no accents.

    Public so that searching for a person cleans what was typed as linkage
    cleaned what the agencies wrote.
    """
    return _clean(value)


def _current_subjects_sql(columns: str, since: int | None = None) -> str:
    """SELECT DISTINCT ``columns`` (of ``s``) from the subject records of current versions.

    With ``since``, only subject records with a larger id: those ingested after it.
    """
    subj = SubjectRecord._meta.db_table
    head = RecordHead._meta.db_table
    # Table and column names come from the models, never from input.
    return (
        f"SELECT DISTINCT {columns} FROM {subj} s"  # noqa: S608
        f" JOIN {head} h ON h.source_record_id = s.source_record_id"
        + (f" WHERE s.id > {int(since)}" if since is not None else "")
    )


def subject_records_watermark() -> int:
    """The largest subject record id: records above it arrived after this moment."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {SubjectRecord._meta.db_table}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def agency_persons_sync(*, since: int | None = None) -> int:
    """Create the AgencyPerson rows that current subject records need; return how many.

    One INSERT … SELECT in the database: at a million subject records, reading
    every (agency, local id) into Python and back cost tens of seconds.
    """
    ap = AgencyPerson._meta.db_table
    select = _current_subjects_sql("s.agency_id, s.local_id", since)
    sql = (
        f"INSERT INTO {ap} (agency_id, local_id, person_id, created_at)"  # noqa: S608
        f" SELECT n.agency_id, n.local_id, NULL, %s FROM ({select}) n"
        f" WHERE NOT EXISTS (SELECT 1 FROM {ap} a"
        f" WHERE a.agency_id = n.agency_id AND a.local_id = n.local_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now()])
        return max(int(cursor.rowcount), 0)


_VARIANT_FIELDS = (
    "agency_id",
    "local_id",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "expected_date_of_birth",
    "sex",
    "nhs_number",
    "upn",
    "postcode",
)


@lru_cache(maxsize=1 << 16)
def _given_keys(given: str) -> frozenset[str]:
    return frozenset(name_keys(given)) | frozenset(name_keys(given.split(" ")[0]))


@lru_cache(maxsize=1 << 16)
def _family_parts(family: str) -> frozenset[str]:
    return frozenset(p for p in _PARTS.split(family) if len(p) > 1)


def _variant(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """One identity variant as the engine compares it (hashable, so variants dedupe)."""
    _, _, given, family, other_names, dob, edd, sex, nhs, upn, postcode = row
    if isinstance(other_names, str):  # a raw cursor gives JSON as text
        other_names = json.loads(other_names) if other_names != "[]" else None
    given_c = _clean(given)
    if given_c and _PLACEHOLDER_GIVEN.match(given_c):
        given_c = None
    family_c = _clean(family)
    keys: set[str] = set(_given_keys(given_c)) if given_c else set()
    parts: set[str] = set(_family_parts(family_c)) if family_c else set()
    # Known-as names: the first word as a given name, the last (of two or more)
    # as a family name, so "known as Demi Hewitt" agrees with either.
    for other in other_names or []:
        words = (_clean(other) or "").split(" ")
        if words and words[0]:
            keys.update(name_keys(words[0]))
        if len(words) > 1:
            parts.update(p for p in _PARTS.split(words[-1]) if len(p) > 1)
    born = dob or edd
    if isinstance(born, dt.date):
        born = born.isoformat()
    pc = _clean(postcode)
    sex_c = (sex or "").strip().lower()
    return (
        given_c,
        tuple(sorted(keys)),
        family_c,
        tuple(sorted(parts)),
        born or None,
        sex_c if sex_c in ("male", "female") else None,
        nhs or None,
        upn or None,
        pc,
        pc[:-2] if pc and " " in pc else None,  # sector: "NR16 9PY" -> "NR16 9"
        pc.split(" ")[0] if pc else None,  # district: "NR16"
    )


_COLUMNS = (
    "given_name",
    "given_keys",
    "family_name",
    "family_parts",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "postcode",
    "pc_sector",
    "pc_district",
)


def _column(field: str) -> str:
    column: str = SubjectRecord._meta.get_field(field).column  # type: ignore[union-attr,assignment]
    return column


# Roles under which the person named lives, far more often than not, at the
# address of the record's subject: a tenant's child; a child's mother (fathers
# and other adults named beside a child often live elsewhere).
_HOUSEHOLD_ROLES = ("child", "mother")


def _select(field: str) -> str:
    """The SELECT expression of one variant field of subject record ``s``.

    A parent's housing, substance misuse or mental health record names the
    children of the household, often with nothing but a name. The record's
    address is the household's: a child (or a child's mother) named there
    without a postcode takes the postcode of the record's subject. Without it,
    "Emilia Norman" in her mother's housing record has nothing but a name to
    link on, and agreement on a name alone is not enough to link two children.
    Done in the SELECT so that DISTINCT still collapses repeated identities.
    """
    column = f"s.{_column(field)}"
    if field != "postcode":
        return column
    subj = SubjectRecord._meta.db_table
    roles = ", ".join(f"'{r}'" for r in _HOUSEHOLD_ROLES)
    # Table, column and role names come from the code, never from input.
    return (
        f"CASE WHEN coalesce({column}, '') = '' AND s.{_column('role')} IN ({roles})"  # noqa: S608
        f" THEN coalesce((SELECT max(p.{_column('postcode')}) FROM {subj} p"
        f" WHERE p.{_column('source_record')} = s.{_column('source_record')}"
        f" AND p.{_column('role')} = 'subject' AND p.{_column('postcode')} <> ''), '')"
        f" ELSE {column} END"
    )


_LIST_COLUMNS = ("given_keys", "family_parts")


def variants_export(*, ap_ids: dict[tuple[int, str], int]) -> dict[str, list[Any]]:
    """Columns of the engine's input: one row per distinct variant per agency person."""
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    # A raw SELECT DISTINCT rather than the ORM: most records of one agency
    # person repeat the same identity, so the database removes most rows before
    # Python sees them, and no model instances or converters are built.
    columns = ", ".join(_select(f) for f in _VARIANT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(_current_subjects_sql(columns))
        while rows := cursor.fetchmany(10_000):
            for row in rows:
                seen.add((ap_ids[(row[0], row[1])], _variant(row)))
    return _columns(seen)


def variants_export_unplaced(*, first_uid: int = 0) -> dict[str, list[Any]]:
    """Like :func:`variants_export`, for agency persons no run has placed yet (a new batch).

    Reads only their records (through the agency person's person index and the
    subject records' (agency, local id) index), so its cost follows the batch,
    not the population. Unique ids start at ``first_uid``.
    """
    ap = AgencyPerson._meta.db_table
    columns = ", ".join(["a.id"] + [_select(f) for f in _VARIANT_FIELDS])
    subj = SubjectRecord._meta.db_table
    head = RecordHead._meta.db_table
    sql = (
        f"SELECT DISTINCT {columns} FROM {ap} a"  # noqa: S608
        f" JOIN {subj} s ON s.agency_id = a.agency_id AND s.local_id = a.local_id"
        f" JOIN {head} h ON h.source_record_id = s.source_record_id"
        " WHERE a.person_id IS NULL"
    )
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for row in cursor.fetchall():
            seen.add((row[0], _variant(row[1:])))
    return _columns(seen, first_uid=first_uid)


def _columns(seen: set[tuple[int, tuple[Any, ...]]], first_uid: int = 0) -> dict[str, list[Any]]:
    """Columns for the engine, in a stable order so unique ids repeat across identical runs."""
    # Sorted by agency person, and within one by the variant's text: a full sort
    # on the text of 400,000 variants took seconds; most persons have one variant.
    by_ap: dict[int, list[tuple[Any, ...]]] = {}
    for ap, variant in seen:
        by_ap.setdefault(ap, []).append(variant)
    aps: list[int] = []
    rows: list[tuple[Any, ...]] = []
    for ap in sorted(by_ap):
        group = by_ap[ap]
        if len(group) > 1:
            group.sort(key=repr)
        aps.extend([ap] * len(group))
        rows.extend(group)
    cols: dict[str, list[Any]] = {
        "unique_id": list(range(first_uid, first_uid + len(rows))),
        "ap_id": aps,
    }
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in _COLUMNS]
    for name, values in zip(_COLUMNS, columns, strict=True):
        cols[name] = [list(v) for v in values] if name in _LIST_COLUMNS else list(values)
    return cols
