"""The access log: written by its service, and append-only."""

from __future__ import annotations

import pytest

from sightline.accounts.models import AccessLog, AppendOnlyError
from sightline.accounts.services import access_log_record

pytestmark = pytest.mark.django_db


def _entry(family, make_staff) -> AccessLog:
    return access_log_record(
        user=make_staff("mash"),
        person=family.lacey,
        action=AccessLog.Action.VIEWED_PAGE,
        path=f"/people/{family.lacey.public_id}",
        ip_address="127.0.0.1",
    )


def test_an_entry_says_who_looked_at_which_child_from_where_and_when(family, make_staff):
    entry = _entry(family, make_staff)
    stored = AccessLog.objects.get(pk=entry.pk)
    assert stored.person == family.lacey
    assert stored.action == "viewed_page"
    assert stored.ip_address == "127.0.0.1"
    assert stored.at.tzinfo is not None


def test_an_unknown_action_is_refused(family, make_staff):
    with pytest.raises(ValueError, match="not an action"):
        access_log_record(
            user=make_staff("mash"), person=family.lacey, action="peeked", path="/", ip_address=None
        )


def test_an_entry_cannot_be_changed(family, make_staff):
    entry = _entry(family, make_staff)
    entry.path = "/somewhere-else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(path="/elsewhere")
    assert AccessLog.objects.get(pk=entry.pk).path == f"/people/{family.lacey.public_id}"


def test_an_entry_cannot_be_deleted(family, make_staff):
    entry = _entry(family, make_staff)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.count() == 1
