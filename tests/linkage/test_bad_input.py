"""Bad input for linkage (issue 3): each case completes and links nothing it cannot justify.

Records are built by hand in the feed v1 format, ingested with ``sightline
ingest`` and linked with ``sightline link``; who ended up as the same person is
read back with ``sightline export links``, as a user would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sightline.linkage.models import LinkRun
from tests.conftest import record

pytestmark = pytest.mark.django_db

HV = "nhs-community-hv"
SCHOOL = "school-yarmouth-primary"
AMBULANCE = "eeast-ambulance"


def _nhs_numbers(start: int) -> Iterator[str]:
    """Valid NHS numbers (modulus 11 check digit), from a 9-digit stem upwards."""
    for stem in itertools.count(start):
        digits = [int(d) for d in f"{stem:09d}"]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 10:
            continue
        check = 0 if check == 11 else check
        yield f"{stem:09d}{check}"


def _rec(agency: str, rid: str, **subject: Any) -> dict[str, Any]:
    subject = {k: v for k, v in subject.items() if v is not None}
    return record(agency=agency, record_id=rid, subject=subject)


def _link(cli: Callable[..., Any]) -> tuple[Any, LinkRun, dict[tuple[str, str], str]]:
    """Run ``sightline link``; return its result, the run and who is which person."""
    result = cli("link")
    assert result.code == 0, result.err
    run = LinkRun.objects.latest("pk")
    assert run.status == "complete", run.error
    exported = cli("export", "links")
    assert exported.code == 0, exported.err
    rows = list(csv.DictReader(io.StringIO(exported.out)))
    person = {(r["agency"], r["local_id"]): r["person_id"] for r in rows}
    assert all(person.values()), "every agency person has a person"
    return result, run, person


def _ingest(cli: Callable[..., Any], write_feed: Callable[..., Any], records: list[Any]) -> None:
    result = cli("ingest", str(write_feed(records)))
    assert result.code == 0, result.err


def test_records_with_nothing_but_a_name_are_not_linked(cli, ingested, write_feed):
    # Two agencies' "Jack Smith", with no date of birth, identifier or address:
    # a common name alone says nothing about whether they are one boy.
    _ingest(
        cli,
        write_feed,
        [
            _rec(HV, "NAME-1", local_id="NAME-A", given_name="Jack", family_name="Smith"),
            _rec(AMBULANCE, "NAME-2", local_id="NAME-B", given_name="Jack", family_name="Smith"),
            _rec(SCHOOL, "NAME-3", local_id="NAME-C", given_name="Jack", family_name="Smith"),
        ],
    )
    _, run, person = _link(cli)
    assert run.model_json  # the borough gives the model enough to train on
    jacks = {
        person[(a, lid)] for a, lid in [(HV, "NAME-A"), (AMBULANCE, "NAME-B"), (SCHOOL, "NAME-C")]
    }
    assert len(jacks) == 3


def _children(n: int) -> list[tuple[str, str, str]]:
    """n children with distinct given names, one family name each, distinct birth dates."""
    firsts = ["Al", "Bre", "Cas", "Dor", "Ev", "Fen", "Gar", "Hol", "Is", "Jun"]
    lasts = ["ana", "ben", "cott", "dale", "ette", "ford", "gail", "ham", "ian", "kin"]
    names = [f + last for f, last in itertools.product(firsts, lasts)]
    out = []
    for i in range(n):
        given = names[i % len(names)] + (
            "" if i < len(names) else f"-{'abcdefghij'[i // 100 % 10]}"
        )
        dob = (dt.date(2012, 1, 1) + dt.timedelta(days=3 * i)).isoformat()
        out.append((given, f"Family{i:04d}", dob))
    return out


def test_all_null_columns_complete_and_link_the_plain_duplicates(cli, write_feed):
    # No record anywhere has a postcode, sex, NHS number or UPN: those columns
    # are null throughout. 150 children, each sent by two agencies with the same
    # name and date of birth, and 30 more sent by one agency only.
    children = _children(180)
    records = []
    for i, (given, family, dob) in enumerate(children):
        records.append(
            _rec(
                HV,
                f"NULL-{i}",
                local_id=f"HV-{i}",
                given_name=given,
                family_name=family,
                date_of_birth=dob,
            )
        )
        if i < 150:
            records.append(
                _rec(
                    SCHOOL,
                    f"NULL-{i}",
                    local_id=f"SC-{i}",
                    given_name=given,
                    family_name=family,
                    date_of_birth=dob,
                )
            )
    _ingest(cli, write_feed, records)
    result, run, person = _link(cli)
    assert run.model_json
    # Before the fix no shared identifier made Splink's prior exactly 0 and
    # predict crashed on log(0); now the run says what it could not estimate.
    assert "prior match probability was not estimated" in result.err
    # Different children never share a person.
    hv_persons = [person[(HV, f"HV-{i}")] for i in range(180)]
    assert len(set(hv_persons)) == 180
    # The same name and date of birth at two agencies is the same child.
    linked = sum(person[(SCHOOL, f"SC-{i}")] == hv_persons[i] for i in range(150))
    assert linked == 150


def test_identical_duplicates_in_one_agency_are_one_person(cli, ingested, write_feed):
    # One child sent twice by one agency under two local ids, every detail the same.
    nhs = next(_nhs_numbers(401_000_000))
    details = dict(
        given_name="Ottilie",
        family_name="Brackenbury",
        date_of_birth="2018-07-21",
        sex="female",
        nhs_number=nhs,
        postcode="NR31 6QT",
    )
    _ingest(
        cli,
        write_feed,
        [
            _rec(HV, "DUP-1", local_id="DUP-A", **details),
            _rec(HV, "DUP-2", local_id="DUP-B", **details),
        ],
    )
    _, _, person = _link(cli)
    assert person[(HV, "DUP-A")] == person[(HV, "DUP-B")]
    assert list(person.values()).count(person[(HV, "DUP-A")]) == 2


def test_a_person_with_hundreds_of_records_is_one_person(cli, ingested, write_feed):
    # 300 records for one boy from the health visitors (some spelling slips and
    # two moves among them), plus a school and an ambulance record.
    nhs = next(_nhs_numbers(402_000_000))
    spellings = ["Theodore", "Theodore", "Theodore", "Theo", "Theodor"]
    postcodes = ["NR30 4EF", "NR31 7LB", "NR32 1HH"]
    records = [
        _rec(
            HV,
            f"MANY-{i}",
            local_id="MANY-HV",
            given_name=spellings[i % len(spellings)],
            family_name="Ashworth",
            date_of_birth="2017-02-11",
            sex="male",
            nhs_number=nhs if i % 3 else None,
            postcode=postcodes[i // 100],
        )
        for i in range(300)
    ]
    records.append(
        _rec(
            SCHOOL,
            "MANY-S",
            local_id="MANY-SC",
            given_name="Theodore",
            family_name="Ashworth",
            date_of_birth="2017-02-11",
            postcode="NR32 1HH",
        )
    )
    records.append(
        _rec(
            AMBULANCE,
            "MANY-E",
            local_id="MANY-EE",
            given_name="Theo",
            family_name="Ashworth",
            date_of_birth="2017-02-11",
            nhs_number=nhs,
        )
    )
    _ingest(cli, write_feed, records)
    # How long this takes belongs to the linkage benchmark (make bench), not to a test.
    _, _, person = _link(cli)
    theo = {
        person[(a, lid)]
        for a, lid in [(HV, "MANY-HV"), (SCHOOL, "MANY-SC"), (AMBULANCE, "MANY-EE")]
    }
    assert len(theo) == 1
    # Nobody from the borough was pulled in with him.
    assert list(person.values()).count(theo.pop()) == 3


def test_a_feed_without_any_date_of_birth_links_only_what_it_can_justify(cli, write_feed):
    # No record has a date of birth. 120 children, each sent by two agencies:
    # the first 60 with one valid NHS number at both, the rest with name and
    # postcode only. Plus two different boys called "Harvey Cole" at two
    # different addresses, and two agencies' "Mia Reed" with nothing but a name.
    children = _children(120)
    numbers = _nhs_numbers(403_000_000)
    records = []
    for i, (given, family, _) in enumerate(children):
        nhs = next(numbers) if i < 60 else None
        pc = f"NR{30 + i % 5} {1 + i % 9}{'ABDEFGHJLN'[i % 10]}{'PQRSTUWXYZ'[i // 10 % 10]}"
        for agency, prefix in ((HV, "HV"), (SCHOOL, "SC")):
            records.append(
                _rec(
                    agency,
                    f"NODOB-{i}",
                    local_id=f"{prefix}-{i}",
                    given_name=given,
                    family_name=family,
                    nhs_number=nhs,
                    postcode=pc,
                )
            )
    records += [
        _rec(
            HV,
            "NODOB-H1",
            local_id="HARVEY-1",
            given_name="Harvey",
            family_name="Cole",
            postcode="NR30 1AA",
        ),
        _rec(
            SCHOOL,
            "NODOB-H2",
            local_id="HARVEY-2",
            given_name="Harvey",
            family_name="Cole",
            postcode="IP24 7RZ",
        ),
        _rec(HV, "NODOB-M1", local_id="MIA-1", given_name="Mia", family_name="Reed"),
        _rec(AMBULANCE, "NODOB-M2", local_id="MIA-2", given_name="Mia", family_name="Reed"),
    ]
    _ingest(cli, write_feed, records)
    result, run, person = _link(cli)
    assert run.model_json
    # It says what it could not train on.
    assert "no training pairs for the same given name, family name and date of birth" in result.err
    hv_persons = [person[(HV, f"HV-{i}")] for i in range(120)]
    assert len(set(hv_persons)) == 120
    # A shared valid NHS number is enough without a date of birth.
    assert all(person[(SCHOOL, f"SC-{i}")] == hv_persons[i] for i in range(60))
    # Different addresses, or nothing but a name: not enough to say they are one child.
    assert person[(HV, "HARVEY-1")] != person[(SCHOOL, "HARVEY-2")]
    assert person[(HV, "MIA-1")] != person[(AMBULANCE, "MIA-2")]


def test_thousands_of_children_with_one_surname_are_not_merged(cli, write_feed):
    # 2,000 different children all called Smith, with different given names and
    # birth dates, spread over 200 postcodes. Blocking on the surname alone
    # would make two million pairs; no rule may. 200 of them also have a school
    # record with the same details, which must still link.
    givens = [
        f + m + last
        for f, m, last in itertools.product(
            ["Ab", "Bel", "Cor", "Dan", "El", "Fin", "Gwen", "Hug", "Ivo", "Jos"],
            ["a", "e", "i", "o", "u"],
            [
                "nd",
                "rt",
                "lm",
                "x",
                "sk",
                "vy",
                "th",
                "zo",
                "ck",
                "mp",
                "gh",
                "w",
                "b",
                "dd",
                "ff",
                "ll",
                "nn",
                "pp",
                "rr",
                "ss",
                "tt",
                "qu",
                "yl",
                "zz",
                "kk",
                "cc",
                "gg",
                "hh",
                "jj",
                "mm",
                "bb",
                "dr",
                "fr",
                "gr",
                "kr",
                "pr",
                "tr",
                "st",
                "sp",
                "sc",
            ],
        )
    ]
    assert len(givens) == 2000
    records = []
    for i, given in enumerate(givens):
        subject = dict(
            given_name=given,
            family_name="Smith",
            date_of_birth=(dt.date(2008, 1, 1) + dt.timedelta(days=2 * i)).isoformat(),
            postcode=f"NR{30 + i % 4} {i % 10}{'ABDEFGHJLN'[i // 10 % 10]}{'PQRST'[i // 100 % 5]}",
        )
        records.append(_rec(HV, f"SMITH-{i}", local_id=f"HV-{i}", **subject))
        if i % 10 == 0:
            records.append(_rec(SCHOOL, f"SMITH-{i}", local_id=f"SC-{i}", **subject))
    _ingest(cli, write_feed, records)
    _, run, person = _link(cli)
    assert run.model_json
    hv_persons = [person[(HV, f"HV-{i}")] for i in range(2000)]
    assert len(set(hv_persons)) == 2000
    assert all(person[(SCHOOL, f"SC-{i}")] == hv_persons[i] for i in range(0, 2000, 10))
