"""Staff in each role, known children and flags, for the front door and MASH tests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from sightline.accounts.models import Role, StaffProfile, Team
from sightline.indicators.models import Flag
from sightline.linkage.models import AgencyPerson, Person
from sightline.linkage.variants import agency_persons_sync

LONDON = ZoneInfo("Europe/London")


def staff(username: str, role: str | None, *, job_title: str = "") -> Any:
    """A user with a staff profile in ``role`` (or, with None, an account with no profile)."""
    user = get_user_model().objects.create_user(
        username=username, password="x", first_name=username.split(".")[0].title()
    )
    if role is not None:
        team, _ = Team.objects.get_or_create(
            name="MASH" if role in (Role.MASH, Role.TEAM_MANAGER) else "Other",
            defaults={"kind": Team.Kind.MASH},
        )
        StaffProfile.objects.create(user=user, role=role, team=team, job_title=job_title)
    return user


def place(*keys: tuple[str, str], person: Person | None = None) -> Person:
    """Put the agency persons (agency code, local id) in one person, as a linkage run would."""
    agency_persons_sync()
    person = person or Person.objects.create()
    for agency, local_id in keys:
        updated = AgencyPerson.objects.filter(agency__code=agency, local_id=local_id).update(
            person=person
        )
        assert updated == 1, (agency, local_id)
    return person


def flag(person: Person, *, created_at: dt.datetime, title: str = "Was not brought") -> Flag:
    """A new live flag, as an evaluation raises one (the rule engine is not under test here)."""
    return Flag.objects.create(
        person=person,
        rule_id="was-not-brought",
        level="consider",
        title=title,
        source="RCGP safeguarding toolkit",
        first_triggered_on=created_at.date(),
        last_triggered_on=created_at.date(),
        seen_on=created_at.date(),
        explanation="Two appointments were missed in 12 months.",
        created_at=created_at,
        updated_at=timezone.now(),
    )


def london(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=LONDON)
