"""The access log's hash chain: an entry changed or removed outside Django is found."""

from __future__ import annotations

import pytest
from django.db import connection

from sightline.accounts.audit import audit_verify
from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record

pytestmark = pytest.mark.django_db


def _three(family, make_staff) -> list[AccessLog]:
    user = make_staff("mash")
    return [
        access_log_record(
            user=user,
            person=family.lacey,
            action=AccessLog.Action.VIEWED_PAGE,
            path=f"/people/{family.lacey.public_id}?n={n}",
            ip_address="10.0.0.1",
        )
        for n in range(3)
    ]


def _raw(sql: str, params: list[object]) -> None:
    # What someone with database access could do: Django's guards are not in the way.
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_each_entry_is_chained_to_the_one_before_and_the_chain_verifies(cli, family, make_staff):
    first, second, third = _three(family, make_staff)
    assert first.prev_hash == "" and second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert audit_verify().intact
    result = cli("audit", "verify")
    assert result.code == 0, result.err
    assert "every link holds" in result.err


def test_an_entry_changed_in_the_database_is_named(cli, family, make_staff):
    _, second, _ = _three(family, make_staff)
    _raw("UPDATE accounts_accesslog SET ip_address = %s WHERE id = %s", ["192.0.2.9", second.pk])
    assert audit_verify().broken_at == second.pk
    result = cli("audit", "verify")
    assert result.code == 1
    assert f"broken at entry {second.pk}" in result.err and "changed" in result.err


def test_an_entry_removed_from_the_database_breaks_the_chain_at_the_next(cli, family, make_staff):
    _, second, third = _three(family, make_staff)
    _raw("DELETE FROM accounts_accesslog WHERE id = %s", [second.pk])
    verified = audit_verify()
    assert verified.broken_at == third.pk
    assert "removed" in verified.reason
