"""The MASH worklist, its one-working-day clock, triage decisions and what they start."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sightline.accounts.models import Role
from sightline.casework import timescales
from sightline.casework.models import CaseStep, Contact, TriageDecision
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.indicators.models import Flag
from sightline.linkage.models import Person
from tests.web.casework_helpers import flag, london, staff

pytestmark = pytest.mark.django_db

# Wednesday 2 December 2026, mid-morning.
NOW = london(2026, 12, 2, 10)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(timescales, "now", lambda: NOW)
    return NOW


@pytest.fixture
def mash(client):
    client.force_login(staff("mo.hub", Role.MASH))
    return client


def contact(received_at, name="Amy Fenn", concern="Left alone overnight.") -> Contact:
    given, family = name.split()
    return contact_create(
        details=ContactDetails(
            concern=concern,
            immediate_danger="no",
            anonymous=True,
            child_given_name=given,
            child_family_name=family,
        ),
        source=Contact.Source.PUBLIC,
        received_at=received_at,
    )


def _rows(html: str) -> list[tuple[str, str]]:
    """Each worklist row's item key and its deadline cell's text."""
    rows = re.findall(r'data-item="([^"]+)">(.*?)</tr>', html, flags=re.S)
    out = []
    for key, body in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, flags=re.S)
        out.append((key, " ".join(re.sub(r"<[^>]+>", " ", cells[-1]).split())))
    return out


def test_the_worklist_lists_contacts_and_new_flags_oldest_first_with_their_deadlines(mash):
    person = Person.objects.create()
    # Friday 27 November: due by the end of Monday 30th, overdue on Wednesday 2nd.
    friday = contact(london(2026, 11, 27, 16, 55), name="Amy Fenn")
    # Saturday 28th: counted from Monday, due by the end of Tuesday 1st: overdue.
    weekend_flag = flag(person, created_at=london(2026, 11, 28, 9))
    # Tuesday 1 December: due by the end of Wednesday 2nd, today: not overdue.
    tuesday = contact(london(2026, 12, 1, 12), name="Ben Cole")
    # Not waiting: a dismissed flag, one no longer met, an as-of scenario's, a decided contact.
    gone = flag(person, created_at=london(2026, 11, 20))
    Flag.objects.filter(pk=gone.pk).update(status="dismissed", status_reason="seen")
    Flag.objects.filter(pk=flag(person, created_at=london(2026, 11, 21)).pk).update(met=False)
    Flag.objects.filter(pk=flag(person, created_at=london(2026, 11, 22)).pk).update(
        scenario="as-of 2026-11-22"
    )
    decided = contact(london(2026, 11, 23), name="Cal Dee")
    triage_decide(
        contact=decided,
        outcome="nfa",
        reason="Known, already open.",
        by=staff("ann.other", Role.MASH),
    )

    html = mash.get("/mash").content.decode()
    assert _rows(html) == [
        (f"contact-{friday.pk}", "Mon 30 Nov 2026 Overdue"),
        (f"flag-{weekend_flag.pk}", "Tue 1 Dec 2026 Overdue"),
        (f"contact-{tuesday.pk}", "Wed 2 Dec 2026"),
    ]
    assert re.search(r'data-count="waiting">3<', html)
    assert re.search(r'data-count="overdue">2<', html)
    assert f"Contact {friday.reference}" in html


def test_a_contact_received_just_before_midnight_is_overdue_only_after_the_next_working_day(
    mash, monkeypatch
):
    c = contact(london(2026, 12, 24, 23, 50))  # Christmas Eve: due by the end of 29 December
    monkeypatch.setattr(timescales, "now", lambda: london(2026, 12, 29, 23, 59))
    assert _rows(mash.get("/mash").content.decode()) == [(f"contact-{c.pk}", "Tue 29 Dec 2026")]
    monkeypatch.setattr(timescales, "now", lambda: london(2026, 12, 30, 0, 0))
    assert _rows(mash.get("/mash").content.decode()) == [
        (f"contact-{c.pk}", "Tue 29 Dec 2026 Overdue")
    ]


def test_the_worklist_is_paged(mash, monkeypatch):
    from sightline.web import mash_views

    monkeypatch.setattr(mash_views, "WORKLIST_PAGE_SIZE", 2)
    made = [contact(london(2026, 12, 1, 9 + i)) for i in range(3)]
    first = _rows(mash.get("/mash").content.decode())
    second = _rows(mash.get("/mash?page=2").content.decode())
    assert [k for k, _ in first + second] == [f"contact-{c.pk}" for c in made]


def test_a_triage_decision_is_recorded_with_its_reason_and_starts_the_assessment_clock(mash):
    c = contact(london(2026, 12, 1, 12))
    page = mash.get(f"/mash/contacts/{c.pk}").content.decode()
    assert "Left alone overnight." in page and "Wednesday 2 December 2026" in page
    response = mash.post(
        f"/mash/contacts/{c.pk}",
        {"outcome": "assessment", "reason": "Third report this month; school worried too."},
        follow=True,
    )
    html = response.content.decode()
    decision = TriageDecision.objects.get(contact=c)
    assert decision.outcome == "assessment" and decision.decided_by.username == "mo.hub"
    assert decision.made_on_time
    assert "Child and family assessment" in html and "Third report this month" in html
    # 45 working days from Tuesday 1 December 2026, over Christmas and New Year.
    step = CaseStep.objects.get(decision=decision)
    assert (step.kind, step.started_on, step.due_on) == (
        "assessment",
        dt.date(2026, 12, 1),
        timescales.working_days_add(dt.date(2026, 12, 1), 45),
    )
    assert step.due_on.strftime("%a %-d %b %Y") in html
    # It has left the worklist.
    assert _rows(mash.get("/mash").content.decode()) == []


def test_a_decision_without_a_reason_is_refused_and_says_why(mash):
    c = contact(london(2026, 12, 1, 12))
    response = mash.post(f"/mash/contacts/{c.pk}", {"outcome": "nfa", "reason": "  "})
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: Contact" in html
    assert '<a href="#id_reason">Enter the reason for your decision</a>' in html
    assert not TriageDecision.objects.exists()
    response = mash.post(f"/mash/contacts/{c.pk}", {"reason": "Because."})
    assert '<a href="#id_outcome_0">Select a decision</a>' in response.content.decode()


def test_a_contact_is_decided_only_once(mash):
    c = contact(london(2026, 12, 1, 12))
    mash.post(f"/mash/contacts/{c.pk}", {"outcome": "nfa", "reason": "One."})
    mash.post(f"/mash/contacts/{c.pk}", {"outcome": "early_help", "reason": "Two."})
    assert list(TriageDecision.objects.values_list("outcome", flat=True)) == ["nfa"]


def test_a_strategy_discussion_then_the_conference_clock_runs_from_when_it_was_held(
    mash, monkeypatch
):
    c = contact(london(2026, 12, 1, 12))
    mash.post(f"/mash/contacts/{c.pk}", {"outcome": "strategy_discussion", "reason": "Injury."})
    steps = {s.kind: s for s in CaseStep.objects.all()}
    assert set(steps) == {"strategy_discussion", "assessment"}
    assert steps["strategy_discussion"].due_on is None
    page = mash.get("/mash/steps").content.decode()
    assert "No statutory deadline" in page
    # Held on Thursday 3 December: the initial conference is due 15 working days later.
    monkeypatch.setattr(timescales, "now", lambda: london(2026, 12, 3, 15))
    mash.post(f"/mash/steps/{steps['strategy_discussion'].pk}/done")
    conference = CaseStep.objects.get(kind="initial_conference")
    assert conference.follows == steps["strategy_discussion"]
    assert conference.started_on == dt.date(2026, 12, 3)
    # 4 December (1), 7 to 11 (6), 14 to 18 (11), 21 to 24 (15): Christmas Eve.
    assert conference.due_on == dt.date(2026, 12, 24)


def test_due_and_overdue_steps_are_listed_soonest_first(mash, monkeypatch):
    early = contact(london(2026, 10, 1, 9))
    late = contact(london(2026, 11, 30, 9))
    by = staff("ann.other", Role.MASH)
    triage_decide(contact=late, outcome="assessment", reason="r", by=by)
    triage_decide(contact=early, outcome="assessment", reason="r", by=by)
    # The early assessment was due 45 working days after 1 October: 3 December.
    monkeypatch.setattr(timescales, "now", lambda: london(2026, 12, 4, 9))
    html = mash.get("/mash/steps").content.decode()
    rows = re.findall(r'data-step="(\d+)">(.*?)</tr>', html, flags=re.S)
    kinds = [(CaseStep.objects.get(pk=pk).decision.contact, "Overdue" in body) for pk, body in rows]
    assert kinds == [(early, True), (late, False)]
    assert re.search(r'data-count="overdue">1<', html)


def test_triaging_a_flag_acknowledges_it_or_dismisses_it_with_the_reason(mash):
    person = Person.objects.create()
    f1 = flag(person, created_at=london(2026, 12, 1, 9))
    f2 = flag(person, created_at=london(2026, 12, 1, 10), title="Repeated unscheduled care")
    page = mash.get(f"/mash/flags/{f1.pk}").content.decode()
    assert "Two appointments were missed" in page and person.public_id in page
    mash.post(f"/mash/flags/{f1.pk}", {"outcome": "early_help", "reason": "Family asked for help."})
    mash.post(f"/mash/flags/{f2.pk}", {"outcome": "nfa", "reason": "Explained by asthma."})
    f1.refresh_from_db()
    f2.refresh_from_db()
    assert f1.status == "acknowledged" and "Family asked for help." in f1.status_reason
    assert f2.status == "dismissed" and "Explained by asthma." in f2.status_reason
    assert TriageDecision.objects.get(flag=f2).person == person
    assert _rows(mash.get("/mash").content.decode()) == []
    # Its page now shows the decision rather than the form.
    page = mash.get(f"/mash/flags/{f1.pk}").content.decode()
    assert "data-outcome>Early help<" in page and 'name="reason"' not in page


def test_hostile_text_in_a_contact_is_shown_escaped(mash):
    c = contact(london(2026, 12, 1, 12), concern="<script>alert(1)</script>")
    html = mash.get(f"/mash/contacts/{c.pk}").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_missing_item_is_not_found(mash):
    assert mash.get("/mash/contacts/999").status_code == 404
    assert mash.get("/mash/flags/999").status_code == 404
    assert mash.post("/mash/steps/999/done").status_code == 404


def test_a_team_manager_may_use_the_mash_and_sees_it_in_the_menu(client):
    client.force_login(staff("tess.manager", Role.TEAM_MANAGER))
    html = client.get("/mash").content.decode()
    assert 'href="/mash" aria-current="page"' in html


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.PARTNER, Role.DATA_ENGINEER, Role.PARTNERSHIP_OFFICER, None]
)
def test_everyone_else_is_refused_every_mash_page_and_told_nothing(client, role):
    c = contact(london(2026, 12, 1, 12), concern="Secret details")
    f = flag(Person.objects.create(), created_at=london(2026, 12, 1))
    client.force_login(staff("not.mash", role))
    for path in ("/mash", f"/mash/contacts/{c.pk}", f"/mash/flags/{f.pk}", "/mash/steps"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Secret details" not in response.content.decode()
    assert (
        client.post(f"/mash/contacts/{c.pk}", {"outcome": "nfa", "reason": "x"}).status_code == 403
    )
    assert not TriageDecision.objects.exists()
    assert 'href="/mash"' not in client.get("/report-a-concern").content.decode()


def test_signed_out_the_mash_asks_to_sign_in(client):
    for path in ("/mash", "/mash/steps", "/mash/contacts/1"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in"), path


def test_the_worklist_costs_the_same_queries_however_long_it_is(mash, django_assert_num_queries):
    person = Person.objects.create()
    contact(london(2026, 12, 1, 9))
    flag(person, created_at=london(2026, 12, 1, 9))
    with CaptureQueriesContext(connection) as few:
        mash.get("/mash")
    for i in range(20):
        contact(london(2026, 11, 20 + i % 5, 9 + i % 8))
        flag(person, created_at=london(2026, 11, 20 + i % 5, 9))
    with django_assert_num_queries(len(few.captured_queries)):
        html = mash.get("/mash").content.decode()
    assert len(_rows(html)) == 42


def test_a_child_s_other_contacts_are_shown_beside_the_one_being_triaged(mash):
    person = Person.objects.create()
    first = contact(london(2026, 11, 2, 9))
    second = contact(london(2026, 12, 1, 9))
    unrelated = contact(london(2026, 11, 3, 9))
    Contact.objects.filter(pk__in=[first.pk, second.pk]).update(person=person, matched_on="test")
    triage_decide(contact=first, outcome="early_help", reason="r", by=staff("a.b", Role.MASH))
    page = mash.get(f"/mash/contacts/{second.pk}").content.decode()
    history = page.split("data-history", 1)[1].split("</table>", 1)[0]
    assert first.reference in history and "Early help" in history
    assert second.reference not in history and unrelated.reference not in history
    f = flag(person, created_at=london(2026, 12, 1, 9))
    history = mash.get(f"/mash/flags/{f.pk}").content.decode().split("data-history", 1)[1]
    assert first.reference in history and second.reference in history.split("</table>")[0]
    # A contact about nobody known shows no history at all.
    assert "data-history" not in mash.get(f"/mash/contacts/{unrelated.pk}").content.decode()


def test_opening_a_flag_or_a_matched_contact_on_the_worklist_is_in_the_childs_access_log(mash):
    from sightline.accounts.models import AccessLog

    person = Person.objects.create()
    f = flag(person, created_at=london(2026, 12, 1, 9))
    mash.get(f"/mash/flags/{f.pk}")
    entry = AccessLog.objects.get(person=person)
    assert (entry.action, entry.path) == ("viewed_triage", f"/mash/flags/{f.pk}")
