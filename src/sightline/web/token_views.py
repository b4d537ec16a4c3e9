"""Administrators' pages for agency API tokens: list, create, rotate, revoke.

Thin views: access through :func:`sightline.accounts.access.api_tokens_may_manage`,
writes through :mod:`sightline.api.services` (which records each action as an
``ApiTokenEvent``), reads through :mod:`sightline.api.selectors`. A new token's
secret is shown on the response to the POST that made it, never stored, and
the page is marked not to be cached.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from sightline.accounts import access
from sightline.api.models import ApiToken
from sightline.api.selectors import token_events, token_get, tokens_list
from sightline.api.services import (
    ROTATION_OVERLAP,
    IssuedToken,
    TokenError,
    token_create,
    token_revoke,
    token_rotate,
)
from sightline.feeds.models import Agency
from sightline.web.mash_forms import GovukForm


def _administrators_only(request: HttpRequest) -> None:
    if not access.api_tokens_may_manage(user=request.user):
        raise PermissionDenied("API tokens are for administrators")


def _token(token_id: int) -> ApiToken:
    token = token_get(token_id=token_id)
    if token is None:
        raise Http404("No such API token")
    return token


class TokenForm(GovukForm):
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.order_by("code"),
        empty_label="Choose the agency",
        error_messages={
            "required": "Select the agency the token sends records for",
            "invalid_choice": "Select the agency the token sends records for",
        },
    )
    name = forms.CharField(
        label="What it is for",
        max_length=200,
        error_messages={
            "required": "Enter what the token is for, such as the sending system",
            "max_length": "What it is for must be 200 characters or fewer",
        },
    )
    expires_in_days = forms.IntegerField(
        label="Stops working after this many days (optional)",
        required=False,
        min_value=1,
        max_value=3650,
        error_messages={
            "invalid": "Days must be a whole number, such as 365",
            "min_value": "Days must be 1 or more",
            "max_value": "Days must be 3,650 (ten years) or fewer",
        },
    )


class RotateForm(GovukForm):
    radio_fields = ("old_one",)

    old_one = forms.ChoiceField(
        label="What happens to the old token",
        widget=forms.RadioSelect,
        choices=[
            ("overlap", "It keeps working for 24 hours, while the sending system is changed"),
            ("revoke", "It stops now: it may have been seen by someone who should not have it"),
        ],
        error_messages={
            "required": "Select what happens to the old token",
            "invalid_choice": "Select what happens to the old token",
        },
    )


def tokens_page(request: HttpRequest) -> HttpResponse:
    _administrators_only(request)
    now = timezone.now()
    rows = [(t, t.status(now)) for t in tokens_list()]
    return render(request, "web/tokens/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def token_new_page(request: HttpRequest) -> HttpResponse:
    _administrators_only(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            issued = token_create(
                agency=form.cleaned_data["agency"],
                name=form.cleaned_data["name"],
                by=request.user,
                expires_at=expires,
            )
        except TokenError as exc:
            form.add_error("name", str(exc).split(": ", 1)[-1])
        else:
            return _issued(request, issued, rotated_from=None)
    return render(
        request, "web/tokens/new.html", {"form": form}, status=400 if form.errors else 200
    )


def token_page(request: HttpRequest, token_id: int) -> HttpResponse:
    _administrators_only(request)
    return _token_page(request, _token(token_id), RotateForm())


def _token_page(
    request: HttpRequest, token: ApiToken, rotate_form: RotateForm, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    context: dict[str, Any] = {
        "token": token,
        "status": token.status(now),
        "valid": token.is_valid(now),
        "events": token_events(token=token),
        "form": rotate_form,
        "overlap_hours": int(ROTATION_OVERLAP.total_seconds() // 3600),
    }
    return render(request, "web/tokens/token.html", context, status=status)


@require_POST
def token_rotate_view(request: HttpRequest, token_id: int) -> HttpResponse:
    _administrators_only(request)
    token = _token(token_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        return _token_page(request, token, form, status=400)
    keep_old = form.cleaned_data["old_one"] == "overlap"
    overlap = ROTATION_OVERLAP if keep_old else dt.timedelta(0)
    try:
        issued = token_rotate(token=token, by=request.user, overlap=overlap)
    except TokenError as exc:
        form.add_error("old_one", str(exc))
        return _token_page(request, token, form, status=400)
    return _issued(request, issued, rotated_from=token)


@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    _administrators_only(request)
    token = token_revoke(token=_token(token_id), by=request.user)
    messages.success(request, f"Token sl_{token.prefix} is revoked: it no longer works")
    return redirect("web:api-token", token_id=token.pk)


def _issued(
    request: HttpRequest, issued: IssuedToken, rotated_from: ApiToken | None
) -> HttpResponse:
    response = render(
        request,
        "web/tokens/issued.html",
        {"token": issued.token, "secret": issued.secret, "rotated_from": rotated_from},
        status=201,
    )
    # The secret is on this page only: no browser or proxy may keep a copy of it.
    add_never_cache_headers(response)
    return response
