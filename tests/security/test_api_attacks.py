"""The partner API attacked with hostile feed lines: stored as sent, never a query, shown as text.

What tests/api already attacks is not repeated here (docs/security.md points to it):
another agency's token and lines for another agency, revoked, expired and rotated
tokens, no token or a wrong one, oversize, empty, broken and wrongly typed bodies, the
rate limit, and schemathesis over the OpenAPI description. What it lacks is a hostile
*content*: SQL-injection strings and stored-XSS payloads in the lines a partner system
sends, followed to the pages that show them. Here the token is made by the
administrator on the token page, with a hostile name, as a real one would be.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from sightline.feeds.models import QuarantinedLine, SourceRecord
from sightline.linkage.models import Person
from tests.chronology.conftest import HV, lacey
from tests.conftest import record
from tests.security.test_injection import INJECTIONS
from tests.security.test_xss import LIVE, LONG

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'id="secret" name="secret" type="text" value="([^"]+)"')


def _token_from_the_page(world: Any, name: str) -> str:
    """A token for the health visitors' agency, made on /api-tokens/new; its secret as shown."""
    admin = world.client("administrator")
    agency = apps.get_model("feeds", "Agency").objects.get(code=world.token_agency)
    response = admin.post(reverse("web:api-token-new"), {"agency": agency.pk, "name": name})
    assert response.status_code == 201
    found = SECRET.search(response.content.decode())
    assert found, "the new token's secret is not on the page"
    return found.group(1)


def _send(lines: list[dict[str, Any]], secret: str) -> Any:
    body = b"\n".join(json.dumps(line).encode() for line in lines) + b"\n"
    # A partner system: no session and no CSRF token, only its bearer token.
    partner_system = Client(enforce_csrf_checks=True)
    return partner_system.post(
        "/api/v1/feeds",
        data=body,
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_injection_and_markup_sent_through_the_api_are_kept_as_sent_and_shown_as_text(world):
    secret = _token_from_the_page(world, "Nightly export " + LONG)
    tables = set(connection.introspection.table_names())
    people, users = Person.objects.count(), apps.get_model("auth", "User").objects.count()
    hostile = [
        record(
            agency=HV,
            record_id=attack,
            type="health_appointment",
            occurred_at=f"2023-10-0{n + 1}",
            subject=lacey("CHR-HV-LACEY"),
            details={"service": "health_visitor", "outcome": "was_not_brought"},
            summary=f"{LONG} {attack}",
        )
        for n, attack in enumerate(INJECTIONS)
    ]
    # A line naming another agency, whose code is an injection: refused and kept.
    refused = record(agency=INJECTIONS[1], record_id=LONG)

    response = _send([*hostile, refused], secret)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (len(INJECTIONS), 1)
    # Kept exactly as sent: the strings were values to the database, never SQL.
    kept = SourceRecord.objects.filter(record_id__in=INJECTIONS)
    assert sorted(kept.values_list("record_id", flat=True)) == sorted(INJECTIONS)
    assert {r.summary for r in kept} == {f"{LONG} {a}" for a in INJECTIONS}
    quarantined = QuarantinedLine.objects.get(feed_file_id=answer["feed_file_id"])
    assert (quarantined.agency_code, quarantined.record_id) == (INJECTIONS[1], LONG)
    assert set(connection.introspection.table_names()) == tables
    assert Person.objects.count() == people
    assert apps.get_model("auth", "User").objects.count() == users

    # Shown only as text: the child's chronology to her social worker; the file (with
    # the token's hostile name as its sender) and the refused line to the data engineer.
    pages = [
        (
            "social_worker",
            reverse("web:person-chronology", kwargs={"public_id": world.a.public_id}),
        ),
        (
            "data_engineer",
            reverse("web:feed-file", kwargs={"feed_file_id": answer["feed_file_id"]}),
        ),
        ("data_engineer", reverse("web:quarantine-line", kwargs={"quarantine_id": quarantined.pk})),
        ("administrator", reverse("web:api-tokens")),
    ]
    for role, url in pages:
        page = world.client(role).get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert not [s for s in LIVE if s in html], f"markup from the API on {url}"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"the payload is not on {url}"
    chronology = world.client("social_worker").get(pages[0][1]).content.decode()
    assert "&#x27;; DROP TABLE linkage_person; --" in chronology
