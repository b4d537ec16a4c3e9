"""Every form that takes a POST refuses one without the CSRF token, and changes nothing."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.security.pages import PAGES, SIGNED_OUT, TOKEN_API
from tests.security.probe import changed, send, snapshot
from tests.security.urls import all_routes, url_of

pytestmark = pytest.mark.django_db


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(world):
    routes = {r.short: r for r in all_routes()}
    before = snapshot()
    accepted: list[str] = []
    posts = [p for p in PAGES if p.post]
    for page in posts:
        # As someone the page would take the POST from, with a body it would accept.
        role = SIGNED_OUT if SIGNED_OUT in page.post else sorted(page.post)[0]
        client = world.client(role, csrf=True)
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        response = send(client, "POST", url_of(routes[page.name], world.kwargs()), page.form(world))
        refused = "The form could not be sent" in response.content.decode()
        if response.status_code != 403 or not refused:
            accepted.append(f"{page.name} as {role}: {response.status_code}")
        # Signing out without the token must not sign anyone out either.
        if session is not None:
            assert client.cookies[settings.SESSION_COOKIE_NAME].value == session.value
    # A page that takes no form refuses a POST without the token just the same. The
    # partner API's feed endpoint reads no session (so a forged cross-site POST carries
    # nothing it trusts) and asks no CSRF token: a session's POST there is refused as
    # no token (401); its description and root, Django views, want the CSRF token (403).
    reader = world.client("mash", csrf=True)
    for page in PAGES:
        url = url_of(routes[page.name], world.kwargs())
        if page.name in TOKEN_API:
            status = send(reader, "POST", url, {}).status_code
            if status not in (401, 403):
                accepted.append(f"{page.name} (partner API): {status}")
            continue
        read_only = page.post is None and page.get is not None and "mash" in page.get
        if read_only and send(reader, "POST", url, {}).status_code != 403:
            accepted.append(f"{page.name} (read only)")
    assert len(posts) >= 20
    assert not accepted, "POSTs taken without a CSRF token:\n" + "\n".join(accepted)
    assert changed(before) == []
