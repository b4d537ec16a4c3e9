"""Sending a request and reading what came of it, with the database put back afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client

ALLOWED, DENIED, NOT_TAKEN, INVALID, ERROR = "allowed", "denied", "405", "400", "500"


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the request writes is undone, so every row of the table meets the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def verdict(response: HttpResponse) -> str:
    """Allowed (200, 201, or a redirect not to sign-in), denied (401, 403, 404, sign-in), or else.

    401 is the partner API's refusal of a caller without a valid token (a session is
    no token); 201 is a token page's answer that a token was made, its secret shown.
    """
    status = response.status_code
    if status >= 500:
        return ERROR
    if status in (401, 403, 404):
        return DENIED
    if status == 405:
        return NOT_TAKEN
    if status in (301, 302, 303):
        # Sent to sign in first (with the page as ``next``); a plain redirect to the
        # sign-in page is where signing out lands.
        return DENIED if response["Location"].startswith(f"{settings.LOGIN_URL}?") else ALLOWED
    if status in (200, 201):
        return ALLOWED
    return INVALID if status == 400 else f"status {status}"


def send(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> HttpResponse:
    with rolled_back():
        if method == "GET":
            response: HttpResponse = client.get(url)
        else:
            response = client.post(url, data or {})
    return response


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore()


def keep_signed_in(client: Client, user: Any) -> None:
    """Sign the client in again if the request ended its session.

    Signing out ends the client's session even though the database row is put back;
    changing a password moves the session to a new key, whose row is rolled back.
    """
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    gone = cookie is None or not cookie.value or not _session_store().exists(cookie.value)
    if user is not None and gone:
        client.force_login(user)


_SIGHTLINE_APPS = (
    "accounts",
    "feeds",
    "linkage",
    "indicators",
    "casework",
    "reviews",
    "jobs",
    "api",
)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row Sightline holds (sessions aside), to show a refused request changed nothing."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for label in _SIGHTLINE_APPS:
        for model in apps.get_app_config(label).get_models():
            if not model._meta.managed:
                continue
            values = model._default_manager.order_by("pk").values_list()
            rows[model._meta.label] = [tuple(map(repr, v)) for v in values]
    return rows


def changed(before: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    after = snapshot()
    return [label for label in before if before[label] != after[label]]


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page_text(response: HttpResponse, *ids: Any) -> str:
    """The body with the CSRF token and the given ids blanked, to compare two answers."""
    text = _TOKEN.sub("", response.content.decode(errors="replace"))
    for i in ids:
        text = text.replace(str(i), "ID")
    return text
