"""Notifications in the browser: the count in the navigation, the list, marking as read."""

from __future__ import annotations

import pytest

from sightline.casework.models import Notification
from sightline.casework.notifications import notifications_push
from tests.web.people_fixtures import allocate

pytestmark = pytest.mark.django_db

TEAM = "Social care team 1"


def test_a_workers_new_flag_shows_in_the_navigation_and_the_list_links_to_the_child(
    client, family, make_staff
):
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker)
    notifications_push()
    client.force_login(worker)

    home = client.get("/people/search").content.decode()
    nav = home.split('id="nav-notifications"')[1].split("</a>")[0]
    unread = Notification.objects.filter(recipient=worker).count()
    assert unread >= 1
    assert f"Notifications ({unread}" in nav

    page = client.get("/notifications").content.decode()
    assert f'href="/people/{family.lacey.public_id}"' in page
    assert family.flag.title in page
    assert "Unread" in page

    marked = client.post("/notifications/read", follow=True).content.decode()
    assert f"{unread} notification" in marked and "marked as read" in marked
    assert "Unread" not in marked.split('id="notifications"')[1]
    nav = marked.split('id="nav-notifications"')[1].split("</a>")[0]
    assert "(" not in nav


def test_nobody_sees_anothers_notifications(client, family, make_staff):
    worker = make_staff("social_worker", team=TEAM)
    allocate(family.lacey, worker)
    notifications_push()
    other = make_staff("social_worker", team=TEAM)
    client.force_login(other)
    page = client.get("/notifications").content.decode()
    assert 'id="notifications-empty"' in page
    assert family.flag.title not in page
