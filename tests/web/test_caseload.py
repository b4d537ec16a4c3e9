"""Caseloads and allocation: who holds each child, and who may change it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from sightline.accounts.models import AccessLog, Team
from sightline.casework.models import Allocation
from sightline.indicators.models import Flag
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db


def _cells(page: str, public_id: str) -> list[list[str]]:
    """The text of each cell in the caseload row of this child."""
    row = next(r for r in page.split("<tr")[1:] if public_id in r)
    return [
        re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


TEAM = "Social care team 1"


@pytest.fixture
def worker(family, make_staff):
    user = make_staff("social_worker", team=TEAM, username="sam.worker")
    allocate(family.lacey, user)
    return user


@pytest.fixture
def manager(make_staff, worker):
    user = make_staff("team_manager", team=TEAM, username="mo.manager")
    Team.objects.filter(name=TEAM).update(manager=user)
    return user


def test_a_worker_sees_their_children_with_open_flags_and_their_team_on_request(
    client, family, make_staff, worker
):
    colleague = make_staff("social_worker", team=TEAM)
    client.force_login(colleague)
    own = client.get("/caseload").content.decode()
    assert 'id="caseload-empty"' in own
    team = client.get("/caseload?team=1").content.decode()
    child, _born, held_by, _since, _flags = _cells(team, family.lacey.public_id)
    assert held_by == ["Social", "Worker", "Tester"]

    client.force_login(worker)
    page = client.get("/caseload").content.decode()
    assert f'href="/people/{family.lacey.public_id}"' in page
    child, _born, _since, flags = _cells(page, family.lacey.public_id)
    assert child[:2] == ["Lacey", "Quennell"]
    open_flags = (
        Flag.objects.filter(person=family.lacey, scenario="", met=True)
        .exclude(status="dismissed")
        .count()
    )
    assert open_flags >= 1 and flags == [str(open_flags)]


def test_partners_have_no_caseload_page(client, make_staff, family):
    client.force_login(make_staff("partner", agency="nhs-community-hv"))
    assert client.get("/caseload").status_code == 403


def test_the_mash_allocates_an_unallocated_child_and_the_worker_then_holds_it(
    client, family, make_staff, worker
):
    mash = make_staff("mash")
    client.force_login(mash)
    page = client.get(f"/people/{family.maisie.public_id}").content.decode()
    assert f'href="/people/{family.maisie.public_id}/allocation"' in page
    done = client.post(
        f"/people/{family.maisie.public_id}/allocation",
        {"worker": str(worker.pk), "reason": "Sibling of a child the team holds"},
        follow=True,
    )
    assert done.status_code == 200
    allocation = Allocation.objects.get(person=family.maisie)
    assert (allocation.worker, allocation.allocated_by) == (worker, mash)
    assert AccessLog.objects.filter(person=family.maisie, action="changed_allocation").exists()
    client.force_login(worker)
    assert f'href="/people/{family.maisie.public_id}"' in client.get("/caseload").content.decode()


def test_a_manager_reallocates_within_the_team_and_the_history_keeps_both(
    client, family, make_staff, worker, manager
):
    other = make_staff("social_worker", team=TEAM, username="kit.other")
    client.force_login(manager)
    client.post(f"/people/{family.lacey.public_id}/allocation", {"worker": str(other.pk)})
    today = timezone.localdate()
    old, new = Allocation.objects.filter(person=family.lacey).order_by("id")
    assert (old.worker, old.ended_on) == (worker, today)
    assert (new.worker, new.started_on, new.ended_on) == (other, today, None)
    history = client.get(f"/people/{family.lacey.public_id}/allocation").content.decode()
    listed = history.split('id="allocation-history"')[1].split("</ul>")[0]
    assert listed.count("<li>") == 2


def test_a_manager_cannot_allocate_to_someone_outside_their_teams(
    client, family, make_staff, worker, manager
):
    stranger = make_staff("social_worker", team="Another team")
    client.force_login(manager)
    response = client.post(
        f"/people/{family.lacey.public_id}/allocation", {"worker": str(stranger.pk)}
    )
    assert response.status_code == 400
    assert "Select who will hold the case" in response.content.decode()
    assert Allocation.objects.filter(person=family.lacey).count() == 1


def test_a_social_worker_may_not_allocate(client, family, worker):
    client.force_login(worker)
    assert client.get(f"/people/{family.lacey.public_id}/allocation").status_code == 403
    page = client.get(f"/people/{family.lacey.public_id}").content.decode()
    assert "/allocation" not in page
