"""Push, not pull: a new flag or another agency's new record reaches the worker and manager."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from sightline.accounts.models import Role, StaffProfile, Team
from sightline.casework.models import Allocation, Notification
from sightline.casework.notifications import notifications_push, notifications_unread
from sightline.feeds.models import Agency
from sightline.indicators.models import Flag
from sightline.indicators.services import evaluation_run
from sightline.linkage.models import Person
from tests.indicators.conftest import ingest_and_link
from tests.indicators.test_evaluation import BABY, _injury

pytestmark = pytest.mark.django_db

TODAY = dt.date(2023, 5, 1)


def _staff(username: str, role: str, agency: str | None = None) -> Any:
    user = get_user_model().objects.create_user(
        username=username, password="x" * 12, email=f"{username}@council.example"
    )
    a = Agency.objects.get_or_create(code=agency)[0] if agency else None
    StaffProfile.objects.create(user=user, role=role, agency=a)
    return user


@pytest.fixture
def baby(cli: Callable[..., Any], write_feed: Callable[..., Any]) -> Person:
    """A bruised baby, linked; not yet evaluated."""
    ingest_and_link(cli, write_feed, [_injury("ED-1", "2023-04-02")])
    from sightline.linkage.models import AgencyPerson

    person = AgencyPerson.objects.get(local_id="B1").person
    assert person is not None
    return person


@pytest.fixture
def team() -> Team:
    manager = _staff("manager", Role.TEAM_MANAGER, "norfolk-csc")
    return Team.objects.create(
        name="Assessment team 1", kind=Team.Kind.SOCIAL_CARE, manager=manager
    )


def _allocate(person: Person, team: Team) -> Any:
    worker = _staff("worker", Role.SOCIAL_WORKER, "norfolk-csc")
    Allocation.objects.create(person=person, worker=worker, team=team, started_on=TODAY)
    return worker


def test_a_new_flag_reaches_the_allocated_worker_and_their_manager_once(cli, baby, team):
    worker = _allocate(baby, team)
    evaluation_run()  # the service: the command would push by itself
    flag = Flag.objects.get(person=baby)

    pushed = notifications_push(today=TODAY)
    assert pushed.notifications == 2
    for user in (worker, team.manager):
        note = Notification.objects.get(recipient=user)
        assert note.kind == Notification.Kind.NEW_FLAG
        assert flag.title in note.title and note.person_id == baby.pk
        assert notifications_unread(user=user) == 1

    # Both emailed, and the email names no child: email leaves the partnership.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "manager@council.example",
        "worker@council.example",
    ]
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in (BABY["given_name"], BABY["family_name"], baby.public_id, "943"):
            assert secret not in text
        assert "/notifications" in message.body

    assert notifications_push(today=TODAY).notifications == 0  # never told twice
    assert len(mail.outbox) == 2


def test_a_child_nobody_holds_notifies_nobody(cli, baby, team):
    assert cli("evaluate").code == 0
    assert not Notification.objects.exists()
    assert notifications_push(today=TODAY).notifications == 0
    assert not mail.outbox


def test_another_agencys_new_record_is_news_but_the_recipients_own_agencys_is_not(
    cli, write_feed, baby, team
):
    worker = _allocate(baby, team)
    # The manager here works for the hospital that will send the record.
    StaffProfile.objects.filter(user=team.manager).update(
        agency=Agency.objects.get(code="nhs-nnuh-ed")
    )
    notifications_push(today=TODAY)  # the first pass: history is not news
    assert not Notification.objects.filter(kind=Notification.Kind.NEW_RECORD).exists()

    ingest_and_link(cli, write_feed, [_injury("ED-2", "2023-04-20", kind="burn")])
    pushed = notifications_push(today=TODAY)
    assert pushed.records == 1
    note = Notification.objects.get(kind=Notification.Kind.NEW_RECORD)
    assert note.recipient == worker
    assert note.title == "1 new record from nhs-nnuh-ed"


def test_sightline_evaluate_pushes_its_new_flags_and_notify_finds_nothing_more(cli, baby, team):
    _allocate(baby, team)
    evaluated = cli("evaluate")
    assert evaluated.code == 0, evaluated.err
    assert "2 notifications, 2 emails" in evaluated.err
    again = cli("notify")
    assert again.code == 0, again.err
    assert "0 notifications" in again.err


def test_a_partner_gets_one_daily_digest_of_changes_for_the_children_their_agency_knows(cli, baby):
    from django.utils import timezone

    from sightline.casework.notifications import partner_digests_send

    hospital = _staff("ed.nurse", Role.PARTNER, "nhs-nnuh-ed")  # their agency knows the baby
    school = _staff("dsl", Role.PARTNER, "school-yarmouth-primary")  # theirs does not
    evaluation_run()
    now = timezone.now()
    assert partner_digests_send(now=now) == 1
    digest = Notification.objects.get(recipient=hospital)
    assert digest.kind == Notification.Kind.DIGEST
    assert digest.title == "Changes for 1 child you work with"
    flag = Flag.objects.get(person=baby)
    assert digest.body == f"{baby.public_id}\tnew flag: {flag.title}"
    assert not Notification.objects.filter(recipient=school).exists()
    assert partner_digests_send(now=now) == 0  # one a day
    # Nothing changed in the day before tomorrow's run: no digest.
    assert partner_digests_send(now=now + dt.timedelta(days=2)) == 0


def test_sightline_notify_digest_sends_the_partners_digest(cli, baby):
    _staff("ed.nurse", Role.PARTNER, "nhs-nnuh-ed")
    evaluation_run()
    sent = cli("notify", "--digest")
    assert sent.code == 0, sent.err
    assert "partner digests: 1" in sent.err
    assert mail.outbox[0].to == ["ed.nurse@council.example"]


def test_a_suspect_flag_left_new_past_a_working_day_escalates_to_the_manager_only(baby, team):

    worker = _allocate(baby, team)
    evaluation_run()
    flag = Flag.objects.get(person=baby)
    assert flag.level == "suspect"
    same_day = notifications_push(today=TODAY, now=flag.created_at)
    assert same_day.escalations == 0
    week_later = notifications_push(today=TODAY, now=flag.created_at + dt.timedelta(days=7))
    assert week_later.escalations == 1
    escalation = Notification.objects.get(kind=Notification.Kind.ESCALATION)
    assert escalation.recipient == team.manager
    assert not Notification.objects.filter(
        recipient=worker, kind=Notification.Kind.ESCALATION
    ).exists()


def test_an_acknowledged_flag_does_not_escalate(baby, team):
    from sightline.indicators.services import flag_acknowledge

    _allocate(baby, team)
    evaluation_run()
    flag = Flag.objects.get(person=baby)
    flag_acknowledge(flag=flag, by="worker")
    pushed = notifications_push(today=TODAY, now=flag.created_at + dt.timedelta(days=7))
    assert pushed.escalations == 0


def test_a_suspect_flag_on_a_child_nobody_holds_escalates_to_the_mash_managers(baby):
    mash_manager = _staff("mash.manager", Role.TEAM_MANAGER)
    Team.objects.create(name="MASH", kind=Team.Kind.MASH, manager=mash_manager)
    StaffProfile.objects.filter(user=mash_manager).update(team=Team.objects.get(name="MASH"))
    evaluation_run()
    flag = Flag.objects.get(person=baby)
    notifications_push(today=TODAY, now=flag.created_at + dt.timedelta(days=7))
    escalation = Notification.objects.get(kind=Notification.Kind.ESCALATION)
    assert escalation.recipient == mash_manager
