"""The CIN census: the demo borough's return passes the DfE validator; a wrong record is caught.

These run the real validator (``csc-validator-be-cin``) in ``.venv-cin/``, which
``make test`` installs first (``make install-cin``).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from sightline.casework.models import CaseStep, Contact, Plan, TriageDecision
from sightline.casework.plans.services import plan_end, plan_meeting_record, plan_start
from sightline.casework.services import case_step_complete, triage_decide
from sightline.casework.timescales import LONDON, StepKind, is_working_day, local_day, now
from sightline.reviews.census import CensusYear, census_build, census_year
from sightline.reviews.census_validate import ValidatorUnavailable, census_errors, census_validate
from sightline.web.demo import demo_setup
from tests.web.markup import problems

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not django_settings.SIGHTLINE_CIN_VALIDATOR.exists(),
        reason="the CIN validator is not installed: run make install-cin",
    ),
]


def _working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _this_census() -> CensusYear:
    return census_year(local_day(now()).year + (local_day(now()).month >= 4))


def _decide(contact: Contact, outcome: str, worker: Any) -> list[CaseStep]:
    # Decided the day it came in, so that the work can follow on working days up to today.
    decision = triage_decide(
        outcome=outcome, reason="Census test", by=worker, contact=contact, at=contact.received_at
    )
    return list(decision.steps.all())


def _step(steps: list[CaseStep], kind: str) -> CaseStep:
    return next(s for s in steps if s.kind == kind)


def _walk_demo_casework(worker: Any) -> dict[str, str]:
    """Take the demo's contacts through the MASH as practitioners would; return each's path."""
    paths: dict[str, str] = {}
    kinds = iter(["assessed and closed", "protection plan", "child in need plan", "medical"])
    # The demo's own casework is decided already; these are the MASH worklist's.
    for contact in Contact.objects.filter(triage__isnull=True).order_by("received_at"):
        if contact.person is None:
            _decide(contact, "assessment", worker)
            paths[str(contact)] = "unmatched"
            continue
        path = next(kinds, "assessed and closed")
        # The demo's contacts arrive on working days, so all follows on the day it came in.
        done_on = local_day(contact.received_at)
        if path == "medical":
            _decide(contact, "cp_medical", worker)
        elif path == "protection plan":
            steps = _decide(contact, "strategy_discussion", worker)
            (conference,) = case_step_complete(
                step=_step(steps, StepKind.STRATEGY_DISCUSSION), completed_on=done_on, by=worker
            )
            case_step_complete(step=conference, completed_on=done_on, by=worker)
            plan_start(
                person=contact.person,
                kind=Plan.Kind.CHILD_PROTECTION,
                category="neglect",
                started_on=done_on,
                lead=worker,
                outcomes=["Meals every day"],
            )
        else:
            steps = _decide(contact, "assessment", worker)
            case_step_complete(
                step=_step(steps, StepKind.ASSESSMENT), completed_on=done_on, by=worker
            )
            if path == "child in need plan":
                plan_start(
                    person=contact.person,
                    kind=Plan.Kind.CHILD_IN_NEED,
                    started_on=done_on,
                    lead=worker,
                    outcomes=["Goes to nursery"],
                )
        paths[str(contact)] = path
    return paths


def _xml_children(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {c.findtext("ChildIdentifiers/LAchildID", ""): c for c in root.iter("Child")}


def test_the_cin_census_for_the_demo_borough_passes_the_dfe_validator(
    tmp_path: Any, settings: Any, make_staff: Callable[..., Any], client: Any
) -> None:
    settings.SIGHTLINE_VAR_DIR = tmp_path
    demo_setup(children=30, seed=2020, log=lambda message: None)
    # The demo's casework: its own children in need, one on a child protection plan, one closed.
    demo_cases = set(TriageDecision.objects.values_list("person", flat=True))
    paths = _walk_demo_casework(make_staff("mash"))
    assert "protection plan" in paths.values() and "unmatched" in paths.values()

    census = census_build(year=_this_census())
    children = _xml_children(census.xml)
    matched = [p for p in paths.values() if p != "unmatched"]
    assert len(children) == len(matched) + len(demo_cases)
    # The unmatched children cannot be returned, and the page and command say which.
    assert {item.reference for item in census.left_out} == {
        ref for ref, p in paths.items() if p == "unmatched"
    }
    plans = [c for c in children.values() if c.find("CINdetails/ChildProtectionPlans") is not None]
    assert [
        p.findtext("CINdetails/ChildProtectionPlans/InitialCategoryOfAbuse") for p in plans
    ] == ["NEG", "NEG"]
    closed = [c for c in children.values() if c.findtext("CINdetails/ReasonForClosure")]
    assert [c.findtext("CINdetails/ReasonForClosure") for c in closed] == ["RC8", "RC8"]

    # Checked as a partnership officer would: on the page.
    client.force_login(make_staff("partnership_officer"))
    page = client.get(reverse("web:cin-census"), {"year": census.year.year, "check": "1"})
    assert page.context["errors"] == [], page.context["errors"]
    assert "The return passes the DfE" in page.content.decode()


def test_a_plan_started_the_day_after_its_conference_is_an_error_shown_on_the_page(
    client: Any, make_staff: Callable[..., Any], family: Any, cli: Any
) -> None:
    worker = make_staff("mash")
    referral_on = _working_day_on_or_before(local_day(now()) - dt.timedelta(days=28))
    contact = Contact.objects.create(
        received_at=dt.datetime.combine(referral_on, dt.time(10), tzinfo=LONDON),
        source=Contact.Source.FAMILY,
        concern="Left alone",
        immediate_danger="no",
        person=family.lacey,
        matched_on="test",
        child_date_of_birth=dt.date(2021, 5, 1),
    )
    steps = _decide(contact, "strategy_discussion", worker)
    (conference,) = case_step_complete(
        step=_step(steps, StepKind.STRATEGY_DISCUSSION), completed_on=referral_on, by=worker
    )
    conference_on = _working_day_on_or_before(referral_on + dt.timedelta(days=14))
    case_step_complete(step=conference, completed_on=conference_on, by=worker)
    # The mistake: the plan recorded as starting the day after the conference that made it.
    plan_start(
        person=family.lacey,
        kind=Plan.Kind.CHILD_PROTECTION,
        category="neglect",
        started_on=conference_on + dt.timedelta(days=1),
        lead=worker,
        outcomes=["Safe at home"],
    )
    officer = make_staff("partnership_officer")
    client.force_login(officer)
    year = _this_census().year
    page = client.get(reverse("web:cin-census"), {"year": year, "check": "1"})
    assert page.status_code == 200
    findings = page.context["errors"]
    child_id = family.lacey.public_id.replace("-", "")
    assert ("2885", child_id) in {(f.rule, f.la_child_id) for f in findings}
    html = page.content.decode()
    assert problems(html) == []
    assert "2885" in html and child_id in html
    assert "Child protection plan shown as starting a different day" in html
    # The child is named by the id only.
    assert "Lacey" not in html

    # The command says the same, and fails.
    result = cli("export", "cin-census", "--year", str(year), "--validate")
    assert result.code == 1
    assert f"Error 2885: {child_id}: Child protection plan shown as starting" in result.err

    xml = client.get(reverse("web:cin-census-xml"), {"year": year})
    assert xml["Content-Disposition"] == f'attachment; filename="cin-census-{year}.xml"'
    assert child_id in _xml_children(xml.content)


def test_a_year_not_yet_begun_is_refused_naming_the_field(
    client: Any, make_staff: Callable[..., Any]
) -> None:
    officer = make_staff("administrator")
    client.force_login(officer)
    page = client.get(reverse("web:cin-census"), {"year": "2099"})
    assert page.status_code == 200
    assert "There is a problem" in page.content.decode()
    assert "Census year: choose a census year from 2023" in page.content.decode()
    assert problems(page.content.decode()) == []


def test_the_command_writes_the_xml_and_fails_on_errors(cli: Any, tmp_path: Any) -> None:
    out = tmp_path / "cin.xml"
    result = cli("export", "cin-census", "--year", "2026", "--out", str(out), "--validate")
    # An empty year: no child, so no child-level errors; the whole-return queries only.
    assert result.code == 0, result.err
    assert ET.fromstring(out.read_bytes()).findtext("Header/CollectionDetails/Year") == "2026"
    assert "0 error(s)" in result.err
    # The pinned validator's rule 2886Q divides by the number of children: said, not hidden.
    assert "Not checked 2886Q: the return: The validator could not run this rule" in result.err

    bad = cli("export", "cin-census", "--year", "twenty")
    assert bad.code == 2
    assert "--year" in bad.err


def test_a_missing_validator_says_how_to_install_it(settings: Any, tmp_path: Any) -> None:
    settings.SIGHTLINE_CIN_VALIDATOR = tmp_path / "nowhere" / "python"
    year = CensusYear(2026)
    with pytest.raises(ValidatorUnavailable, match="make install-cin"):
        census_validate(xml=census_build(year=year).xml, year=year)


def _contact_on(day: dt.date, person: Any) -> Contact:
    return Contact.objects.create(
        received_at=dt.datetime.combine(day, dt.time(10), tzinfo=LONDON),
        source=Contact.Source.FAMILY,
        concern="Not fed",
        immediate_danger="no",
        person=person,
        matched_on="test",
    )


def test_a_childs_year_of_casework_becomes_one_episode_in_its_census_year_only(
    family: Any, make_staff: Callable[..., Any]
) -> None:
    worker, lacey = make_staff("mash"), family.lacey
    # Last year's episode: assessed and closed in June 2023.
    (old,) = _decide(_contact_on(dt.date(2023, 5, 2), lacey), "assessment", worker)
    case_step_complete(step=old, completed_on=dt.date(2023, 6, 1), by=worker)
    # This year's: a strategy discussion, a conference and a plan for neglect, reviewed,
    # stepped down to a child in need plan; a second referral while it was open.
    steps = _decide(_contact_on(dt.date(2024, 9, 2), lacey), "strategy_discussion", worker)
    case_step_complete(
        step=_step(steps, StepKind.ASSESSMENT), completed_on=dt.date(2024, 10, 14), by=worker
    )
    (conference,) = case_step_complete(
        step=_step(steps, StepKind.STRATEGY_DISCUSSION), completed_on=dt.date(2024, 9, 2), by=worker
    )
    case_step_complete(step=conference, completed_on=dt.date(2024, 9, 16), by=worker)
    cpp = plan_start(
        person=lacey,
        kind=Plan.Kind.CHILD_PROTECTION,
        category="neglect",
        started_on=dt.date(2024, 9, 16),
        lead=worker,
        outcomes=["Fed every day"],
    )
    plan_meeting_record(plan=cpp, kind="review", held_on=dt.date(2024, 12, 9))
    (second,) = _decide(_contact_on(dt.date(2024, 11, 4), lacey), "assessment", worker)
    case_step_complete(step=second, completed_on=dt.date(2024, 11, 20), by=worker)
    plan_end(
        plan=cpp,
        ending=Plan.Ending.STEPPED_DOWN,
        ended_on=dt.date(2025, 2, 3),
        reason="Better",
        review_note="None open",
        by=worker,
    )
    plan_start(
        person=lacey,
        kind=Plan.Kind.CHILD_IN_NEED,
        started_on=dt.date(2025, 2, 4),
        lead=worker,
        outcomes=["Goes to nursery"],
    )
    # After the reference date: next year's census.
    _decide(_contact_on(dt.date(2025, 4, 7), lacey), "assessment", worker)

    child_id = lacey.public_id.replace("-", "")
    census = census_build(year=CensusYear(2025))
    (child,) = _xml_children(census.xml).values()
    assert child.findtext("ChildIdentifiers/LAchildID") == child_id
    (episode,) = child.findall("CINdetails")
    assert episode.findtext("CINreferralDate") == "2024-09-02"
    assert episode.findtext("ReferralSource") == "1B"
    assert episode.find("CINclosureDate") is None  # the child in need plan is still open
    assert [a.findtext("AssessmentAuthorisationDate") for a in episode.findall("Assessments")] == [
        "2024-10-14",
        "2024-11-20",
    ]
    s47 = episode.find("Section47")
    assert s47 is not None
    assert (s47.findtext("S47ActualStartDate"), s47.findtext("DateOfInitialCPC")) == (
        "2024-09-02",
        "2024-09-16",
    )
    # 15 working days after the strategy discussion (Working Together).
    assert s47.findtext("InitialCPCtarget") == "2024-09-23"
    plan = episode.find("ChildProtectionPlans")
    assert plan is not None
    assert [plan.findtext(t) for t in ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse")] == [
        "2024-09-16",
        "2025-02-03",
        "NEG",
    ]
    assert plan.findtext("NumberOfPreviousCPP") == "0"
    assert [r.text for r in plan.iter("CPPreviewDate")] == ["2024-12-09"]
    assert episode.findtext("CINPlanDates/CINPlanStartDate") == "2025-02-04"
    assert census_errors(census_validate(xml=census.xml, year=census.year)) == []

    # The year before holds only last year's episode, closed after assessment.
    (earlier,) = _xml_children(census_build(year=CensusYear(2024)).xml).values()
    (closed,) = earlier.findall("CINdetails")
    assert [
        closed.findtext(t) for t in ("CINreferralDate", "CINclosureDate", "ReasonForClosure")
    ] == [
        "2023-05-02",
        "2023-06-01",
        "RC8",
    ]


def test_a_referral_that_led_only_to_a_medical_closes_when_it_was_done(
    family: Any, make_staff: Callable[..., Any]
) -> None:
    worker = make_staff("mash")
    (medical,) = _decide(_contact_on(dt.date(2025, 6, 2), family.lacey), "cp_medical", worker)
    (child,) = _xml_children(census_build(year=CensusYear(2026)).xml).values()
    assert child.find("CINdetails/CINclosureDate") is None  # not done yet: still open
    case_step_complete(step=medical, completed_on=dt.date(2025, 6, 3), by=worker)
    (child,) = _xml_children(census_build(year=CensusYear(2026)).xml).values()
    episode = child.find("CINdetails")
    assert episode is not None
    # Services ceased (RC7), not "closed after assessment" (RC8): there was no assessment.
    assert [episode.findtext(t) for t in ("CINclosureDate", "ReasonForClosure")] == [
        "2025-06-03",
        "RC7",
    ]
    assert episode.find("Assessments") is None
