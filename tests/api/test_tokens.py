"""Agency API tokens: made, rotated and revoked by the services and ``sightline tokens``."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from sightline.api.models import ApiToken, ApiTokenEvent
from sightline.api.services import (
    ROTATION_OVERLAP,
    TokenError,
    token_authenticate,
    token_create,
    token_revoke,
    token_rotate,
)
from tests.api.conftest import HV


def test_only_the_hash_of_a_token_is_kept(hv_token):
    row = ApiToken.objects.filter(pk=hv_token.token.pk).values().get()
    assert hv_token.secret.startswith(f"sl_{row['prefix']}_")
    assert row["secret_hash"] == hashlib.sha256(hv_token.secret.encode()).hexdigest()
    secret_part = hv_token.secret.rsplit("_", 1)[-1]
    assert not any(secret_part in str(value) for value in row.values())


def test_a_token_finds_its_agency_and_nothing_else_does(hv_token):
    assert token_authenticate(secret=hv_token.secret).agency.code == HV
    assert token_authenticate(secret=hv_token.secret + "x") is None
    assert token_authenticate(secret="") is None


def test_a_token_needs_a_name(agencies):
    with pytest.raises(TokenError, match=r"^name:"):
        token_create(agency=agencies[HV], name="   ")


def test_rotation_keeps_the_old_token_for_the_overlap_only(hv_token):
    before = timezone.now()
    issued = token_rotate(token=hv_token.token)
    old = ApiToken.objects.get(pk=hv_token.token.pk)
    assert old.replaced_by_id == issued.token.pk
    assert before + ROTATION_OVERLAP <= old.expires_at <= timezone.now() + ROTATION_OVERLAP
    assert old.revoked_at is None and old.status(timezone.now()) == "rotated"
    assert issued.token.agency_id == old.agency_id and issued.token.name == old.name
    with pytest.raises(TokenError, match="already been rotated"):
        token_rotate(token=old)


def test_a_revoked_token_cannot_be_rotated(hv_token):
    token_revoke(token=hv_token.token)
    with pytest.raises(TokenError, match="revoked"):
        token_rotate(token=hv_token.token)


def test_each_action_is_recorded_with_who_did_it(hv_token, make_staff):
    admin = make_staff("administrator")
    issued = token_rotate(token=hv_token.token, by=admin, overlap=dt.timedelta(0))
    token_revoke(token=issued.token, by=admin)
    events = [(e.token_id, e.action, e.by_name) for e in ApiTokenEvent.objects.all()]
    assert events == [
        (hv_token.token.pk, "created", "cli"),
        (hv_token.token.pk, "rotated", admin.username),
        (issued.token.pk, "created", admin.username),
        (issued.token.pk, "revoked", admin.username),
    ]


# ---- sightline tokens ------------------------------------------------------------------


def test_tokens_help(cli):
    result = cli("tokens", "--help")
    assert result.code == 0
    assert "create" in result.out and "rotate" in result.out


def test_create_prints_the_token_once_on_stdout(cli, agencies):
    result = cli("tokens", "create", "--agency", HV, "--name", "Nightly export")

    assert result.code == 0
    secret = result.out.strip()
    assert len(result.out.splitlines()) == 1 and secret.startswith("sl_")
    assert "shown this once" in result.err
    token = token_authenticate(secret=secret)
    assert token is not None and token.name == "Nightly export" and token.created_by == "cli"
    # Listing never shows it again: only the public prefix (sl_ and 12 hex). The secret
    # part may itself hold "_" (URL-safe base64), so it is everything after the prefix.
    public, hidden = secret[:15], secret[16:]
    listed = cli("tokens", "list").out
    assert public in listed and len(hidden) > 20 and hidden not in listed


def test_create_for_an_unknown_agency_is_a_usage_error(cli, agencies):
    result = cli("tokens", "create", "--agency", "no-such-agency", "--name", "x")
    assert result.code == 2
    assert "--agency" in result.err and not result.out
    assert not ApiToken.objects.exists()


def test_create_without_a_name_is_a_usage_error(cli, agencies):
    assert cli("tokens", "create", "--agency", HV).code == 2


def test_list_shows_every_token_with_its_status(cli, hv_token, police_token):
    token_revoke(token=police_token.token)
    rows = cli("tokens", "list", "--format", "jsonl").jsonl()
    status = {r["prefix"]: (r["agency"], r["status"]) for r in rows}
    assert status == {
        f"sl_{hv_token.token.prefix}": (HV, "active"),
        f"sl_{police_token.token.prefix}": ("norfolk-police", "revoked"),
    }
    text = cli("tokens", "list")
    assert text.code == 0 and f"sl_{hv_token.token.prefix}" in text.out


def test_revoke_stops_the_token(cli, hv_token):
    result = cli("tokens", "revoke", str(hv_token.token.pk))
    assert result.code == 0 and "revoked" in result.err
    assert token_authenticate(secret=hv_token.secret) is None


def test_revoke_an_unknown_token_fails(cli, db):
    result = cli("tokens", "revoke", "999")
    assert result.code == 1 and "no API token with id 999" in result.err


def test_rotate_prints_the_new_token_and_keeps_the_old_for_the_overlap(cli, hv_token):
    result = cli("tokens", "rotate", str(hv_token.token.pk))
    assert result.code == 0
    new = token_authenticate(secret=result.out.strip())
    assert new is not None and new.pk != hv_token.token.pk
    assert token_authenticate(secret=hv_token.secret) is not None


def test_rotate_with_no_overlap_revokes_the_old_token(cli, hv_token):
    result = cli("tokens", "rotate", str(hv_token.token.pk), "--overlap-hours", "0")
    assert result.code == 0
    assert token_authenticate(secret=hv_token.secret) is None
    assert token_authenticate(secret=result.out.strip()) is not None


def test_rotating_a_revoked_token_fails(cli, hv_token):
    token_revoke(token=hv_token.token)
    result = cli("tokens", "rotate", str(hv_token.token.pk))
    assert result.code == 1 and "revoked" in result.err and not result.out
