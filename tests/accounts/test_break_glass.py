"""Break-glass: emergency access to a child with a reason, for a few hours, reported to managers."""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from sightline.accounts import access
from sightline.accounts.audit import audit_verify, entry_hash
from sightline.accounts.break_glass import (
    BreakGlassInvalid,
    BreakGlassRefused,
    break_glass_request,
)
from sightline.accounts.models import AccessLog, BreakGlassGrant, Team
from sightline.accounts.services import access_log_record
from sightline.casework.models import Notification
from sightline.linkage.models import Person
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db

REASON = "Police called out of hours: child found alone at home, need the history now"
NOWHERE = "P-0000000000"


def _ask(user, public_id, reason=REASON):
    return break_glass_request(
        user=user, public_id=public_id, reason=reason, path="/break-glass", ip_address="10.0.0.9"
    )


def _managed(make_staff, role, team, **kw):
    """A member of staff in a team whose manager is a new team manager."""
    manager = make_staff("team_manager", team=team)
    Team.objects.filter(name=team).update(manager=manager)
    return make_staff(role, team=team, **kw), manager


def _later(hours: float):
    """The clock moved on by ``hours``: what the access rules and the log read as now."""
    return mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(hours=hours)
    )


def test_a_grant_lets_a_social_worker_open_a_child_they_could_not(family, make_staff, settings):
    worker = make_staff("social_worker", team="Team A")
    assert not access.person_may_view(user=worker, person=family.tom)
    grant = _ask(worker, family.tom.public_id)
    assert grant.person == family.tom
    assert grant.expires_at - grant.granted_at == dt.timedelta(
        hours=settings.SIGHTLINE_BREAK_GLASS_HOURS
    )
    assert access.person_may_view(user=worker, person=family.tom)
    assert access.person_get_for_user(user=worker, public_id=family.tom.public_id) == family.tom
    viewable = access.persons_viewable(user=worker, persons=Person.objects.all())
    assert list(viewable) == [family.tom]


def test_a_grant_lets_a_partner_open_a_child_their_agency_does_not_know(family, make_staff):
    partner = make_staff("partner", agency="nhs-community-hv")
    assert not access.person_may_view(user=partner, person=family.tom)
    _ask(partner, family.tom.public_id)
    assert access.person_may_view(user=partner, person=family.tom)


def test_a_grant_is_for_one_child_and_one_person_only(family, make_staff):
    worker = make_staff("social_worker", team="Team A")
    colleague = make_staff("social_worker", team="Team A")
    _ask(worker, family.tom.public_id)
    assert not access.person_may_view(user=worker, person=family.lacey)
    assert not access.person_may_view(user=colleague, person=family.tom)


def test_an_expired_grant_stops_working(family, make_staff, settings):
    settings.SIGHTLINE_BREAK_GLASS_HOURS = 2
    worker = make_staff("social_worker", team="Team A")
    _ask(worker, family.tom.public_id)
    with _later(1.9):
        assert access.person_may_view(user=worker, person=family.tom)
    with _later(2.01):
        assert not access.person_may_view(user=worker, person=family.tom)
        assert access.person_get_for_user(user=worker, public_id=family.tom.public_id) is None


@pytest.mark.parametrize("role", ["administrator", "data_engineer", "partnership_officer", "mash"])
def test_roles_that_never_need_it_cannot_break_glass(family, make_staff, role):
    user = make_staff(role)
    assert not access.break_glass_may_request(user=user)
    with pytest.raises(BreakGlassRefused):
        _ask(user, family.tom.public_id)
    assert not BreakGlassGrant.objects.exists()
    assert not Notification.objects.exists()


def test_a_grant_made_to_a_role_that_cannot_break_glass_opens_nothing(family, make_staff):
    # Not reachable through the service; the choke point itself still refuses it.
    officer = make_staff("partnership_officer")
    now = timezone.now()
    BreakGlassGrant.objects.create(
        user=officer,
        public_id=family.tom.public_id,
        person=family.tom,
        reason=REASON,
        granted_at=now,
        expires_at=now + dt.timedelta(hours=4),
    )
    assert not access.person_may_view(user=officer, person=family.tom)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why you need this child's record now"),
        ("   \n ", "Enter why you need this child's record now"),
        ("urgent", "at least 20 characters"),
    ],
)
def test_an_empty_or_short_reason_is_refused_and_says_why(family, make_staff, reason, message):
    worker = make_staff("social_worker", team="Team A")
    with pytest.raises(BreakGlassInvalid, match=message) as problem:
        _ask(worker, family.tom.public_id, reason=reason)
    assert problem.value.field == "reason"
    assert not access.person_may_view(user=worker, person=family.tom)


def test_a_malformed_id_is_refused_naming_the_field(family, make_staff):
    worker = make_staff("social_worker", team="Team A")
    with pytest.raises(BreakGlassInvalid) as problem:
        _ask(worker, "'; DROP TABLE accounts_accesslog; --")
    assert problem.value.field == "person"


def test_an_id_that_is_no_childs_is_answered_like_one_that_is(family, make_staff):
    worker, manager = _managed(make_staff, "social_worker", "Team A")
    real = _ask(worker, family.tom.public_id)
    absent = _ask(worker, NOWHERE)
    assert (real.public_id, absent.public_id) == (family.tom.public_id, NOWHERE)
    assert absent.person is None
    assert absent.expires_at - absent.granted_at == real.expires_at - real.granted_at
    titles = sorted(Notification.objects.filter(recipient=manager).values_list("title", flat=True))
    assert titles == sorted(
        [
            f"Social Worker Tester used break-glass access to {family.tom.public_id}",
            f"Social Worker Tester used break-glass access to {NOWHERE}",
        ]
    )


def test_the_requesters_manager_and_the_childs_team_manager_are_told(family, make_staff):
    worker, own_manager = _managed(make_staff, "social_worker", "Team A")
    holder, childs_manager = _managed(make_staff, "social_worker", "Team B")
    allocate(family.tom, holder, team="Team B")
    grant = _ask(worker, family.tom.public_id)
    told = Notification.objects.filter(kind=Notification.Kind.BREAK_GLASS)
    assert {n.recipient for n in told} == {own_manager, childs_manager}
    note = told.get(recipient=childs_manager)
    assert note.person == family.tom
    assert REASON in note.body
    assert note.subject_key == f"break-glass:{grant.pk}"


def test_a_grant_nobody_else_manages_goes_to_the_mash_managers(family, make_staff):
    mash_manager = make_staff("team_manager", team="MASH")
    Team.objects.filter(name="MASH").update(kind=Team.Kind.MASH, manager=mash_manager)
    partner = make_staff("partner", agency="nhs-community-hv")
    _ask(partner, family.tom.public_id)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [mash_manager.pk]


def test_looks_under_a_grant_are_marked_break_glass_and_the_chain_holds(family, make_staff):
    worker = make_staff("social_worker", team="Team A")
    mash = make_staff("mash")
    _ask(worker, family.tom.public_id)
    asked = AccessLog.objects.get(action=AccessLog.Action.BROKE_GLASS)
    look = access_log_record(
        user=worker, person=family.tom, action="viewed_page", path="/p", ip_address=None
    )
    ordinary = access_log_record(
        user=mash, person=family.tom, action="viewed_page", path="/p", ip_address=None
    )
    assert (asked.break_glass, look.break_glass, ordinary.break_glass) == (True, True, False)
    assert audit_verify().intact


def test_a_worker_who_may_open_the_child_anyway_is_not_marked_break_glass(family, make_staff):
    worker = make_staff("social_worker", team="Team A")
    allocate(family.tom, worker, team="Team A")
    _ask(worker, family.tom.public_id)
    look = access_log_record(
        user=worker, person=family.tom, action="viewed_page", path="/p", ip_address=None
    )
    assert not look.break_glass
    assert not access.person_viewed_under_break_glass(user=worker, person=family.tom)


def test_removing_the_break_glass_mark_outside_sightline_breaks_the_chain(family, make_staff):
    worker = make_staff("social_worker", team="Team A")
    _ask(worker, family.tom.public_id)
    entry = AccessLog.objects.get()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE accounts_accesslog SET break_glass = %s WHERE id = %s", [False, entry.pk]
        )
    verified = audit_verify()
    assert verified.broken_at == entry.pk


def test_entries_without_the_mark_hash_as_they_did_before_it_existed(family, make_staff):
    entry = access_log_record(
        user=make_staff("mash"), person=family.tom, action="viewed_page", path="/p", ip_address=None
    )
    before = "\x1f".join(
        [str(entry.user_id), str(entry.person_id), "viewed_page", "/p", "", entry.at.isoformat()]
    )
    assert entry_hash("", entry) == hashlib.sha256(f"\x1e{before}".encode()).hexdigest()


def test_a_grant_cannot_be_changed_or_removed(family, make_staff):
    grant = _ask(make_staff("social_worker", team="Team A"), family.tom.public_id)
    grant.expires_at = timezone.now() + dt.timedelta(days=30)
    with pytest.raises(Exception, match="cannot be changed"):
        grant.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        grant.delete()
    with pytest.raises(Exception, match="append-only"):
        BreakGlassGrant.objects.all().delete()


def test_a_manager_under_break_glass_may_look_but_not_allocate_or_oversee(family, make_staff):
    manager = make_staff("team_manager", team="Team A")
    _ask(manager, family.tom.public_id)
    assert access.person_may_view(user=manager, person=family.tom)
    assert not access.allocation_may_change(user=manager, person=family.tom)
    assert not access.access_log_may_view(user=manager, person=family.tom)
