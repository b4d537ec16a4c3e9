"""Oversize and malformed bodies to every form: a clear answer, never a server error.

Each POST row of the table is sent, as someone it takes the POST from, bodies no
browser would send: a field over Django's 2.5 MB limit, fields far over their
length, too many fields, bytes that are not UTF-8, a NUL character (which
PostgreSQL cannot store), JSON instead of a form, and broken multipart bodies.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.security.pages import PAGES, SIGNED_OUT
from tests.security.probe import changed, rolled_back, snapshot
from tests.security.urls import all_routes, url_of

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
UNREADABLE = "What you sent could not be read"


def _bodies(data: dict[str, str]) -> list[tuple[str, bytes, str, str]]:
    """(what, body, content type, what must come back: 'unreadable' or 'handled').

    A form that reads no field (a button that only acts) never reads the body, so
    for it every body is simply 'handled'; with CSRF checks on, as in service, the
    token check reads it first and answers the same 400.
    """
    names = list(data) or ["reason"]
    unreadable = "unreadable" if data else "handled"
    huge = urlencode({**data, names[0]: "x" * 3_000_000}).encode()
    many = urlencode({f"f{i}": "x" for i in range(2000)}).encode()
    # Over every form field's limit (the longest is 5,000 characters).
    long = urlencode({n: "y" * 20_000 for n in names}).encode()
    not_utf8 = b"&".join(n.encode() + b"=\xff\xfe\xc3(" for n in names)
    nul = urlencode({**data, **{n: "a\x00b" for n in names}}).encode()
    multipart = "multipart/form-data"
    return [
        ("a 3 MB field", huge, FORM, unreadable),
        ("2,000 fields", many, FORM, unreadable),
        ("every field 20,000 characters", long, FORM, "handled"),
        ("bytes that are not UTF-8", not_utf8, FORM, "handled"),
        ("a NUL character", nul, FORM, "handled"),
        ("JSON", b'{"reason": "x"}', "application/json", "handled"),
        ("multipart, broken", b"--zz\r\ngarbage", f"{multipart}; boundary=zz", "handled"),
        ("multipart with no boundary", b"garbage", multipart, unreadable),
    ]


def test_every_form_answers_bad_bodies_clearly_and_saves_nothing_bad(world):
    routes = {r.short: r for r in all_routes()}
    before = snapshot()
    wrong: list[str] = []
    for page in PAGES:
        if not page.post:
            continue
        role = SIGNED_OUT if SIGNED_OUT in page.post else sorted(page.post)[0]
        client = world.client(role)
        url = url_of(routes[page.name], world.kwargs())
        data = {k: str(v) for k, v in page.form(world).items()}
        for what, body, content_type, expect in _bodies(data):
            with rolled_back():
                response = client.post(url, body, content_type=content_type)
            html = response.content.decode(errors="replace")
            status = response.status_code
            if status >= 500:
                wrong.append(f"{page.name}: {what} gave {status}")
            elif expect == "unreadable" and (status != 400 or UNREADABLE not in html):
                wrong.append(f"{page.name}: {what} gave {status}, not the 400 page")
            elif expect == "handled" and status not in (200, 302, 400):
                wrong.append(f"{page.name}: {what} gave {status}")
    assert not wrong, "\n".join(wrong)
    assert changed(before) == []


def test_an_overlong_reason_or_one_with_a_nul_is_refused_naming_the_field(world):
    client = world.client("social_worker")
    url = f"/people/{world.a.public_id}/flags/{world.a.flag_id}/dismiss"
    for reason, says in (
        ("z" * 100_000, "Why this flag needs no action must be 2,000 characters or fewer"),
        # PostgreSQL cannot store a NUL character; the form refuses it first.
        ("Seen\x00today", "Null characters are not allowed"),
    ):
        with rolled_back():
            response = client.post(url, {"reason": reason})
        html = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in html
        assert 'href="#reason"' in html and says in html


@pytest.mark.django_db(databases=[])
def test_no_form_takes_more_characters_than_its_column_holds():
    """SQLite stores any length; PostgreSQL refuses, so a form longer than its column was a 500."""
    from django import forms

    from sightline.casework import models as casework
    from sightline.indicators.models import Flag
    from sightline.linkage.models import LinkDecision
    from sightline.web import assessment_forms, mash_forms, plan_forms
    from sightline.web import forms as web_forms

    written = [
        (mash_forms.ConcernForm(), casework.Contact),
        (mash_forms.ReferralForm(), casework.Contact),
        (mash_forms.TriageForm(), casework.TriageDecision),
        (plan_forms.PlanStartForm(), casework.Plan),
        (plan_forms.ActionAddForm(outcomes=[]), casework.PlanAction),
        (plan_forms.MeetingRecordForm(), casework.PlanMeeting),
        (plan_forms.PlanEndForm(), casework.Plan),
        (plan_forms.ReferralForm(), casework.ServiceReferral),
        (plan_forms.ReferralOutcomeForm(), casework.ServiceReferral),
        (assessment_forms.ContributionForm(), casework.AssessmentContribution),
        (web_forms.LinkDecisionForm(), LinkDecision),
        (web_forms.FlagDismissForm(), Flag),
    ]
    longer = []
    for form, model in written:
        columns = {f.name: f for f in model._meta.get_fields()}
        for name, field in form.fields.items():
            column = columns.get(name)
            if not isinstance(field, forms.CharField) or column is None:
                continue
            # A field that cleans to fewer characters (an NHS number's spaces) says so.
            cleaned_max = 10 if name == "child_nhs_number" else field.max_length
            limit = getattr(column, "max_length", None)
            if limit and (cleaned_max is None or cleaned_max > limit):
                longer.append(f"{type(form).__name__}.{name}: {cleaned_max} > {limit}")
    assert not longer, longer
