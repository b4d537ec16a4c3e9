"""The authorisation matrix: every page, every role, GET and POST, from the table in pages.py."""

from __future__ import annotations

import pytest

from tests.security.pages import BY_NAME, PAGES
from tests.security.probe import ALLOWED, DENIED, NOT_TAKEN, keep_signed_in, send, verdict
from tests.security.urls import all_routes, url_of
from tests.security.world import ROLES, SIGNED_OUT

pytestmark = pytest.mark.django_db


def test_every_url_of_the_project_has_a_row_in_the_table():
    names = {r.short for r in all_routes()}
    missing = sorted(names - set(BY_NAME))
    assert not missing, (
        f"pages with no row in tests/security/pages.py: {missing}; add a Page(...) row "
        "saying which roles may GET and POST it"
    )
    stale = sorted(set(BY_NAME) - names)
    assert not stale, f"rows for pages that no longer exist: {stale}"
    assert len(PAGES) == len(BY_NAME), "a URL name has two rows"


# Forms whose taken POST rightly answers on the page itself rather than redirecting:
# a made-up password or code gets the form again with its error (valid ones cannot be
# written ahead of time: the world's passwords are known, but a code comes from an
# authenticator app), and a new token's secret is shown once, on the answer to the
# POST that made it (201), because a redirect would have to keep it somewhere.
ANSWERS_ON_THE_PAGE: frozenset[str] = frozenset(
    {"sign-in", "two-factor-set-up", "api-token-new", "api-token-rotate"}
)


def _expected(allowed: frozenset[str] | None, role: str) -> set[str]:
    if allowed is None:
        # Not taken: refused for the method before anything else, except that signed
        # out the sign-in check comes first.
        return {NOT_TAKEN, DENIED} if role == SIGNED_OUT else {NOT_TAKEN}
    return {ALLOWED} if role in allowed else {DENIED}


def test_each_role_gets_exactly_the_pages_the_table_allows(world):
    routes = {r.short: r for r in all_routes()}
    ids = world.kwargs()
    clients = {role: world.client(role) for role in ROLES}
    wrong: list[str] = []
    for page in PAGES:
        url = url_of(routes[page.name], ids)
        for role in ROLES:
            client, user = clients[role], world.users.get(role)
            for method, allowed in (("GET", page.get), ("POST", page.post)):
                if method == "POST" and page.post is None:
                    continue  # a read-only page: CSRF refuses any POST (test_csrf)
                data = page.form(world) if page.form else {}
                response = send(client, method, url, data)
                got = verdict(response)
                keep_signed_in(client, user)
                # A form taken lands on the page that shows the change, not back on itself
                # (except the few in ANSWERS_ON_THE_PAGE).
                if got == ALLOWED and method == "POST" and page.name not in ANSWERS_ON_THE_PAGE:
                    got = ALLOWED if response.status_code == 302 else "200, not a redirect"
                if got not in _expected(allowed, role):
                    where = response.get("Location", "")
                    wrong.append(
                        f"{page.name:24} {method:4} {role:20} expected "
                        f"{'/'.join(sorted(_expected(allowed, role)))}, got {got} "
                        f"({response.status_code} {where})"
                    )
    assert not wrong, "the pages do not keep to the table:\n" + "\n".join(wrong)
