"""Making, rotating, revoking and checking agency API tokens.

A token reads ``sl_<prefix>_<secret>``. The prefix (12 hex characters) is public
and unique, so a token is found by one indexed look-up; the secret is 32 random
bytes. Only the SHA-256 of the whole token is stored: the secret is long and
random, so a fast hash is enough (a slow password hash protects guessable
secrets; this one cannot be guessed) and checking a request costs microseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sightline.api.models import ApiToken, ApiTokenEvent
from sightline.feeds.models import Agency

TOKEN_PREFIX = "sl_"  # noqa: S105  # nosec B105 - the public start of every token, not a secret
# How long a rotated token keeps working, so that the sending system can be
# switched to the new one without a gap in its feed. A day covers a change made
# the next working morning; a token that may have leaked is revoked instead.
ROTATION_OVERLAP = dt.timedelta(hours=24)


class TokenError(Exception):
    """A token cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token, shown once and never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _actor(by: Any) -> tuple[Any, str]:
    """(user or None, name): a signed-in administrator, or the command line."""
    if by is None:
        return None, "cli"
    return by, by.get_username()


def _event(token: ApiToken, action: str, by: Any, at: dt.datetime, note: str = "") -> None:
    user, name = _actor(by)
    ApiTokenEvent.objects.create(
        token=token, action=action, by=user, by_name=name, at=at, note=note
    )


def _issue(
    *, agency: Agency, name: str, by: Any, at: dt.datetime, expires_at: dt.datetime | None
) -> IssuedToken:
    for _ in range(5):  # a prefix collision is 1 in 2^48; retry rather than fail
        prefix = secrets.token_hex(6)
        secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    agency=agency,
                    name=name,
                    prefix=prefix,
                    secret_hash=_hash(secret),
                    created_at=at,
                    created_by=_actor(by)[1],
                    expires_at=expires_at,
                )
        except IntegrityError:
            continue
        return IssuedToken(token, secret)
    raise TokenError("could not find an unused token prefix; try again")


def token_create(
    *, agency: Agency, name: str, by: Any = None, expires_at: dt.datetime | None = None
) -> IssuedToken:
    """A new token for ``agency``. ``by`` is the administrator (None: the command line)."""
    name = name.strip()
    if not name:
        raise TokenError("name: enter what the token is for, such as the sending system")
    if len(name) > 200:
        raise TokenError("name: must be 200 characters or fewer")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise TokenError("expires: must be in the future")
    with transaction.atomic():
        issued = _issue(agency=agency, name=name, by=by, at=now, expires_at=expires_at)
        _event(issued.token, ApiTokenEvent.Action.CREATED, by, now)
    return issued


def token_revoke(*, token: ApiToken, by: Any = None) -> ApiToken:
    """Stop the token working now. Revoking a revoked token changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None and locked.revoked_at <= now:
            return locked
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
        _event(locked, ApiTokenEvent.Action.REVOKED, by, now)
    return locked


def token_rotate(
    *, token: ApiToken, by: Any = None, overlap: dt.timedelta = ROTATION_OVERLAP
) -> IssuedToken:
    """A new token for the same agency and name; the old one works for ``overlap`` more.

    With no overlap the old token is revoked at once (use that when it may have
    leaked). A revoked, expired or already rotated token cannot be rotated:
    make a new one instead, so that one token never has two successors.
    """
    now = timezone.now()
    with transaction.atomic():
        old = ApiToken.objects.select_for_update().get(pk=token.pk)
        if not old.is_valid(now):
            raise TokenError(f"token {old.pk} is {old.status(now)}: create a new token instead")
        if old.replaced_by_id is not None:
            raise TokenError(f"token {old.pk} has already been rotated")
        issued = _issue(agency=old.agency, name=old.name, by=by, at=now, expires_at=None)
        old.replaced_by = issued.token
        if overlap <= dt.timedelta(0):
            old.revoked_at = now
            note = f"replaced by token {issued.token.pk}; the old one revoked at once"
        else:
            until = now + overlap
            old.expires_at = min(old.expires_at, until) if old.expires_at else until
            note = (
                f"replaced by token {issued.token.pk}; the old one works until"
                f" {old.expires_at.isoformat(timespec='minutes')}"
            )
        old.save(update_fields=["replaced_by", "revoked_at", "expires_at"])
        _event(old, ApiTokenEvent.Action.ROTATED, by, now, note)
        _event(issued.token, ApiTokenEvent.Action.CREATED, by, now, f"rotated from token {old.pk}")
    return issued


def token_authenticate(*, secret: str) -> ApiToken | None:
    """The valid token this secret is, or None (unknown, malformed, revoked or expired).

    One answer for every failure, so a caller cannot learn which tokens exist.
    Marks the token used.
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, _ = secret[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 12:
        return None
    token = ApiToken.objects.select_related("agency").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if not token.is_valid(now):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return token
