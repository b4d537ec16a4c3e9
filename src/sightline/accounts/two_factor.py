"""Two-factor sign-in: each member of staff's authenticator app, through django-otp's TOTP.

A person has at most one TOTP device. Until it is confirmed (they typed a code
it made) it only serves the set-up page; a confirmed one is what the
two-factor step checks codes against. Resetting removes it, and the person sets
up a new one at their next sign-in. Setting up and resetting are written to
:class:`~sightline.accounts.models.AccountEvent`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sightline.accounts.models import AccountEvent
from sightline.accounts.services import account_event_record

DEVICE_NAME = "Authenticator app"


class TwoFactorError(Exception):
    """A two-factor action could not be done; the message says why, for a person to read."""


def device_confirmed(user: Any) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def device_for_set_up(user: Any) -> TOTPDevice:
    """The unconfirmed device whose secret the set-up page shows, made on first need.

    The same secret is shown until it is confirmed, so a page reloaded after the
    QR code was scanned still matches the app.
    """
    if device_confirmed(user) is not None:
        raise TwoFactorError("Two-factor sign-in is already set up for this account")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def code_check(device: TOTPDevice, code: str) -> str | None:
    """None if ``code`` is right for ``device`` now; otherwise what to tell the person.

    django-otp refuses a code used before and, after a wrong one, makes each
    next try wait twice as long as the last (OTP_TOTP_THROTTLE_FACTOR).
    """
    allowed, why = device.verify_is_allowed()
    if not allowed:
        until = why.get("locked_until") if why else None
        wait = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
        return f"Wait {wait} second{'s' if wait != 1 else ''} before entering another code"
    if device.verify_token(code):
        return None
    return "Enter the 6-digit code your authenticator app shows now"


@transaction.atomic
def device_confirm(
    *, user: Any, device: TOTPDevice, code: str, ip_address: str | None
) -> str | None:
    """Confirm the set-up device with a code it made: None when done, else why not."""
    problem = code_check(device, code)
    if problem is not None:
        return problem
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Any other unconfirmed device (a set-up started twice) goes: one app a person.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    account_event_record(
        user=user,
        action=AccountEvent.Action.TWO_FACTOR_SET_UP,
        by=user.get_username(),
        ip_address=ip_address,
    )
    return None


@dataclass(frozen=True)
class Reset:
    username: str
    removed: int


@transaction.atomic
def two_factor_reset(*, username: str, by: str, reason: str) -> Reset:
    """Remove a person's authenticator app, so they set up a new one at next sign-in.

    For a lost or replaced phone. Every session already verified with the old
    app stops being verified, because django-otp finds its device gone.
    """
    reason = reason.strip()
    if not reason:
        raise TwoFactorError("Give a reason for the reset: it is kept with the record of it")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise TwoFactorError(f"There is no account with the username {username!r}")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    account_event_record(
        user=user, action=AccountEvent.Action.TWO_FACTOR_RESET, by=by, reason=reason
    )
    return Reset(username=username, removed=removed)


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app's manual entry wants it: base32, in groups of 4."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code, an SVG drawn here: no script, no service.

    Only the <svg> element, for putting straight into the page (no XML declaration),
    named for screen readers; its size is set by the stylesheet (no inline style).
    """
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=4,
    )
    svg: str = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg") :]
    return svg.replace(
        "<svg ",
        '<svg class="app-qr-code" role="img"'
        ' aria-label="QR code holding the key shown below, for your authenticator app" ',
        1,
    )
