"""Identity variants: what linkage compares, one row per distinct way an agency wrote a person.

:func:`variants_export` turns the current subject records into columns for the
engine; :func:`agency_persons_sync` makes the agency persons they need.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sightline.feeds.models import SubjectRecord
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


def _clean(value: str | None) -> str | None:
    """Upper case, single spaces, accents dropped (Wiśniewski and Wisniewski agree)."""
    if not value:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _SPACES.sub(" ", plain).strip().upper()
    return text or None


def agency_persons_sync() -> int:
    """Create the AgencyPerson rows that current subject records need; return how many."""
    wanted = set(
        SubjectRecord.objects.filter(source_record__head__isnull=False)
        .values_list("agency_id", "local_id")
        .distinct()
    )
    held = set(AgencyPerson.objects.values_list("agency_id", "local_id"))
    missing = sorted(wanted - held)
    AgencyPerson.objects.bulk_create(
        [AgencyPerson(agency_id=a, local_id=lid) for a, lid in missing],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(missing)


_VARIANT_FIELDS = (
    "source_record_id",
    "role",
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


def _variant(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """One identity variant as the engine compares it (hashable, so variants dedupe)."""
    _, _, _, _, given, family, other_names, dob, edd, sex, nhs, upn, postcode = row
    given_c = _clean(given)
    if given_c and _PLACEHOLDER_GIVEN.match(given_c):
        given_c = None
    family_c = _clean(family)
    keys: set[str] = set()
    parts: set[str] = set()
    if given_c:
        keys.update(name_keys(given_c))
        keys.update(name_keys(given_c.split(" ")[0]))
    if family_c:
        parts.update(p for p in _PARTS.split(family_c) if len(p) > 1)
    # Known-as names: the first word as a given name, the last (of two or more)
    # as a family name, so "known as Demi Hewitt" agrees with either.
    for other in other_names or []:
        words = (_clean(other) or "").split(" ")
        if words and words[0]:
            keys.update(name_keys(words[0]))
        if len(words) > 1:
            parts.update(p for p in _PARTS.split(words[-1]) if len(p) > 1)
    born = dob or edd
    pc = _clean(postcode)
    sex_c = (sex or "").strip().lower()
    return (
        given_c,
        tuple(sorted(keys)),
        family_c,
        tuple(sorted(parts)),
        born.isoformat() if born else None,
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


# Roles under which the person named lives, far more often than not, at the
# address of the record's subject: a tenant's child; a child's mother (fathers
# and other adults named beside a child often live elsewhere).
_HOUSEHOLD_ROLES = ("child", "mother")


def _household_postcodes() -> dict[int, str]:
    """The subject's postcode of each current record naming a child or mother without one.

    A parent's housing, substance misuse or mental health record names the
    children of the household, often with nothing but a name. The record's
    address is the household's: the child named in it lives there (or did on
    that date), so the child's entry takes it as its own. Without it, "Emilia
    Norman" in her mother's housing record has nothing but a name to link on,
    and agreement on a name alone is not enough to link two children.
    """
    wanted = (
        SubjectRecord.objects.filter(
            source_record__head__isnull=False, role__in=_HOUSEHOLD_ROLES, postcode=""
        )
        .values_list("source_record_id", flat=True)
        .distinct()
    )
    found = SubjectRecord.objects.filter(source_record_id__in=wanted, role="subject").exclude(
        postcode=""
    )
    return dict(found.values_list("source_record_id", "postcode"))


def variants_export(*, ap_ids: dict[tuple[int, str], int]) -> dict[str, list[Any]]:
    """Columns of the engine's input: one row per distinct variant per agency person."""
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    household = _household_postcodes()
    rows = (
        SubjectRecord.objects.filter(source_record__head__isnull=False)
        .order_by("agency_id", "local_id", "id")
        .values_list(*_VARIANT_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        ap = ap_ids[(row[2], row[3])]
        if row[1] in _HOUSEHOLD_ROLES and not row[-1] and row[0] in household:
            row = (*row[:-1], household[row[0]])
        seen.add((ap, _variant(row)))
    cols: dict[str, list[Any]] = {"unique_id": [], "ap_id": []}
    cols.update({c: [] for c in _COLUMNS})
    for uid, (ap, variant) in enumerate(sorted(seen, key=lambda v: (v[0], repr(v[1])))):
        cols["unique_id"].append(uid)
        cols["ap_id"].append(ap)
        for name, value in zip(_COLUMNS, variant, strict=True):
            cols[name].append(list(value) if isinstance(value, tuple) else value)
    return cols
