"""A family and the staff around them, built through the real services, for the child's pages.

The family is the chronology tests' Quennells (Lacey, her mother Gemma, her
sister Maisie, Gemma's partner Darren), plus two missed health appointments
that raise a was-not-brought flag, and Tom Brown, a child known only to the
police, to try another child's id with. Their records are ingested, linked,
merged by a reviewer's decisions (the records are too few to train a linkage
model on) and evaluated, as a partnership's data would be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from sightline.accounts.models import Role, StaffProfile, Team
from sightline.casework.models import Allocation
from sightline.feeds.models import Agency
from sightline.feeds.services import feed_ingest_path
from sightline.indicators.models import Flag
from sightline.indicators.services import evaluation_run
from sightline.linkage.decisions import persons_merge
from sightline.linkage.households import relationships_rebuild
from sightline.linkage.models import AgencyPerson, Person
from sightline.linkage.services import linkage_run_full
from tests.chronology.conftest import HV, POLICE, family_records, lacey
from tests.conftest import record

PASSWORD = "correct horse battery staple"


def _extra_records() -> list[dict[str, Any]]:
    missed = [
        record(
            agency=HV,
            record_id=f"WEB-HV-WNB-{i}",
            type="health_appointment",
            occurred_at=day,
            subject=lacey("CHR-HV-LACEY"),
            details={"service": "health_visitor", "outcome": "was_not_brought"},
            summary="Lacey was not brought to her review.",
        )
        for i, day in enumerate(["2023-06-01", "2023-08-15"], start=1)
    ]
    tom = record(
        agency=POLICE,
        record_id="WEB-PO-TOM",
        type="police_incident",
        occurred_at="2023-02-02T10:00:00+00:00",
        subject={
            "local_id": "WEB-P-TOM",
            "given_name": "Tom",
            "family_name": "Brown",
            "date_of_birth": "2016-07-03",
            "nhs_number": "400 000 0055",
            "upn": "H801200001001",
            "postcode": "NR1 1AA",
        },
        details={"category": "missing_child"},
        summary="Tom was reported missing and found the same evening.",
    )
    return [*missed, tom]


@dataclass
class Family:
    lacey: Person
    gemma: Person
    maisie: Person
    darren: Person
    tom: Person
    flag: Flag


def _by_nhs_number() -> dict[str, Person]:
    """Merge every agency person sharing an NHS number into one person, as a reviewer would."""
    from sightline.feeds.models import SubjectRecord

    groups: dict[str, set[int]] = {}
    for nhs, agency_id, local_id in SubjectRecord.objects.exclude(nhs_number="").values_list(
        "nhs_number", "agency_id", "local_id"
    ):
        ap = AgencyPerson.objects.get(agency_id=agency_id, local_id=local_id)
        assert ap.person_id is not None
        groups.setdefault(nhs, set()).add(ap.person_id)
    found = {}
    for nhs, person_ids in groups.items():
        ids = sorted(person_ids)
        for other in ids[1:]:
            first = Person.objects.get(pk=ids[0])
            if not AgencyPerson.objects.filter(person_id=other).exists():
                continue
            second = Person.objects.get(pk=other)
            persons_merge(first=first, second=second, by="test reviewer", reason="same NHS number")
        ap = AgencyPerson.objects.filter(person_id__in=ids).select_related("person").first()
        assert ap is not None and ap.person is not None
        found[nhs] = ap.person
    return found


@pytest.fixture
def family(db: None, tmp_path: Path, settings: Any, write_feed: Callable[..., Path]) -> Family:
    settings.SIGHTLINE_VAR_DIR = tmp_path / "var"
    result = feed_ingest_path(path=write_feed([*family_records(), *_extra_records()]), sent_by="t")
    from sightline.feeds.models import QuarantinedLine

    rejected = list(QuarantinedLine.objects.values_list("reasons", flat=True))
    assert not result.error and not rejected, rejected
    linkage_run_full()
    people = _by_nhs_number()
    relationships_rebuild()
    evaluation_run(today=timezone.localdate())
    lacey_ = people["4000000012"]
    flag = Flag.objects.filter(person=lacey_, rule_id="was-not-brought").first()
    assert flag is not None, list(Flag.objects.values_list("rule_id", "person_id"))
    return Family(
        lacey=lacey_,
        gemma=people["4000000020"],
        maisie=people["4000000039"],
        darren=people["4000000047"],
        tom=people["4000000055"],
        flag=flag,
    )


@pytest.fixture
def make_staff(db: None) -> Callable[..., Any]:
    """A signed-in-able user with a staff profile: role, agency (by code) and team (by name)."""
    counter = iter(range(1000))

    def make(
        role: str,
        *,
        agency: str | None = None,
        team: str | None = None,
        username: str | None = None,
    ) -> Any:
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{next(counter)}",
            password=PASSWORD,
            first_name=role.replace("_", " ").title(),
            last_name="Tester",
        )
        StaffProfile.objects.create(
            user=user,
            role=role,
            agency=Agency.objects.get(code=agency) if agency else None,
            team=Team.objects.get_or_create(name=team, defaults={"kind": "social_care"})[0]
            if team
            else None,
        )
        return user

    return make


def allocate(person: Person, worker: Any, team: str = "Social care team 1", **dates: Any) -> None:
    Allocation.objects.create(
        person=person,
        worker=worker,
        team=Team.objects.get(name=team),
        started_on=dates.get("started_on", timezone.localdate()),
        ended_on=dates.get("ended_on"),
    )


ROLES = Role
