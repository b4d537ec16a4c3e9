"""Every kind of page, opened in Chromium as the people who use it and checked with axe-core.

axe-core finds what a real browser shows: colour contrast after the CSS is
applied, names computed for controls, landmarks, focusable hidden content. The
markup checks in tests/web look at the HTML; this looks at the page. A
violation is printed with its rule, impact, help text and the elements it is
about, so a failure says what to fix.

The borough is built through the real services (ingest, linkage, evaluation,
contacts, triage, assessments, notifications) and every role signs in through
the sign-in page, as people do.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.test import override_settings
from django.utils import timezone

from sightline.accounts.models import Role, Team
from sightline.casework.assessments.services import assessment_start
from sightline.casework.models import Contact, Plan
from sightline.casework.notifications import notifications_push
from sightline.casework.plans.services import plan_start
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.feeds.models import FeedFile, QuarantinedLine
from sightline.feeds.services import feed_ingest_path
from sightline.linkage.decisions import candidate_pairs_store
from sightline.linkage.models import AgencyPerson, CandidatePair, LinkRun
from sightline.linkage.scoring import Candidate
from sightline.reviews.actions import recommendation_add, review_action_add
from sightline.reviews.services import finding_add, review_child_add, review_create
from tests.browser.conftest import AXE, Browser
from tests.conftest import record
from tests.web.people_fixtures import PASSWORD, Family, allocate
from tests.web.test_report_concern import GOOD as CONCERN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2.0, 2.1 and 2.2, levels A and AA: what issue 5 and the style guide promise.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TEAM = "Social care team 1"
T = TypeVar("T")


def _in_context(
    browser: Browser, work: Callable[[Any], T], sweep: Sweep | None = None, **options: Any
) -> T:
    """Run ``work(page)`` on a fresh page in a new browser context, closed afterwards.

    The page runs under the real Content Security Policy (no bypass_csp); with a
    ``sweep``, every CSP violation its console reports is kept for the test to see.
    """

    def run(chromium: Any) -> T:
        context = chromium.new_context(**options)
        try:
            page = context.new_page()
            if sweep is not None:
                sweep.watch(page)
            return work(page)
        finally:
            context.close()

    return browser.run(run)


def _known_govuk_exception(rule: str, node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's conditionally revealing radios, which its script marks aria-expanded.

    ARIA 1.2 does not list aria-expanded for radios, so axe calls it critical;
    GOV.UK Frontend keeps it on purpose because screen readers announce the
    revealed question (alphagov/govuk-frontend#979, a documented known issue).
    Only that attribute on those inputs is let through; anything else is reported.
    """
    if rule != "aria-allowed-attr" or "govuk-radios__input" not in node["html"]:
        return False
    problems = [c["message"] for part in ("any", "all", "none") for c in node.get(part, [])]
    return all(
        re.fullmatch(r'ARIA attribute is not allowed: aria-expanded="\w+"', m) for m in problems
    )


class Sweep:
    """Opens pages, runs axe on each, and keeps what it found to report all at once."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[str] = []
        self.checked: list[str] = []
        # What Chromium's console said about the Content Security Policy: any
        # script, style or image the policy blocked, which would be a broken page.
        self.csp_reports: list[str] = []
        self._axe = AXE.read_text()

    def watch(self, page: Any) -> None:
        """Listen to the page's console for Content Security Policy violations."""

        def heard(message: Any) -> None:
            if "Content Security Policy" in message.text:
                self.csp_reports.append(f"{page.url}: {message.text}")

        page.on("console", heard)

    def check(self, page: Any, what: str) -> None:
        """Run axe on the page as it stands and note every violation."""
        assert page.locator("h1").count() == 1, f"{what}: {page.url} has no single <h1>"
        # Contrast is judged on the page as styled: a stylesheet that failed to load
        # would leave axe checking the browser's defaults.
        font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert "GDS Transport" in font, f"{what}: GOV.UK Frontend's CSS is not applied ({font})"
        # Every image shown, the dashboard's charts among them: one the server failed
        # to answer would be a hole in the page that axe does not report.
        broken = page.evaluate(
            "[...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
        )
        assert not broken, f"{what}: {page.url} has images that did not load: {broken}"
        # Run through the DevTools protocol, not added as a <script>: the page's
        # Content Security Policy (no inline script) stays in force for the page itself.
        page.evaluate(self._axe)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
        )
        self.checked.append(what)
        for v in result["violations"]:
            v["nodes"] = [n for n in v["nodes"] if not _known_govuk_exception(v["id"], n)]
            if not v["nodes"]:
                continue
            nodes = "; ".join(
                " ".join(map(str, n["target"]))
                + f" ({n.get('failureSummary', '')})".replace("\n", " ")
                for n in v["nodes"][:5]
            )
            self.problems.append(
                f"{what} [{page.url}]: {v['id']} ({v['impact']}): {v['help']} -> {nodes}"
            )

    def visit(self, page: Any, path: str, what: str, status: int = 200) -> None:
        response = page.goto(self.base + path)
        assert response is not None and response.status == status, (
            f"{what}: {path} answered {response.status if response else None}, not {status}"
        )
        self.check(page, what)

    def report(self) -> str:
        return f"{len(self.problems)} accessibility violation(s):\n" + "\n".join(self.problems)

    def csp_report(self) -> str:
        return f"{len(self.csp_reports)} CSP violation(s):\n" + "\n".join(self.csp_reports)


def submit(page: Any, button: str) -> None:
    """Press a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/sign-in")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    submit(page, "Sign in")
    assert "/sign-in" not in page.url, f"{username} could not sign in: {page.url}"


def sign_out(page: Any) -> None:
    page.context.clear_cookies()


@pytest.fixture
def borough(
    family: Family, make_staff: Callable[..., Any], write_feed: Callable[..., Path]
) -> dict[str, Any]:
    """The family's borough plus a bad feed, two contacts (one triaged), an assessment,
    notifications, and one member of staff a role."""
    bad = [record(record_id="A11Y-1", subject={"local_id": "A11Y-P1"}), b"{not json"]
    result = feed_ingest_path(path=write_feed(bad, name="bad.jsonl"), sent_by="test")
    assert not result.error and QuarantinedLine.objects.count() == 2
    engineer = make_staff(Role.DATA_ENGINEER, username="data.engineer")
    mash = make_staff(Role.MASH, username="mash.practitioner")
    worker = make_staff(Role.SOCIAL_WORKER, team=TEAM, username="social.worker")
    manager = make_staff(Role.TEAM_MANAGER, team=TEAM, username="team.manager")
    Team.objects.filter(name=TEAM).update(manager=manager)
    partner = make_staff(Role.PARTNER, agency="nhs-community-hv", username="health.visitor")
    make_staff(Role.ADMINISTRATOR, username="administrator")
    officer = make_staff(Role.PARTNERSHIP_OFFICER, username="partnership.officer")
    allocate(family.lacey, worker)
    # A review of Maisie with a finding and an action already overdue, so each review
    # page has its tables, tags and forms filled in.
    review = review_create(
        kind="lcspr",
        title="Child AM",
        incident_on=timezone.localdate() - dt.timedelta(days=30),
        started_on=timezone.localdate() - dt.timedelta(days=20),
        lead_reviewer=officer,
    )
    review_child_add(review=review, person=family.maisie, code="AM")
    finding_add(review=review, text="Appointments missed.", themes=["was-not-brought"], by=officer)
    review_action_add(
        recommendation=recommendation_add(
            review=review, text="Follow up missed appointments", partnership_wide=True
        ),
        description="Audit the health visiting records",
        owner="Health visiting",
        due_on=timezone.localdate() - dt.timedelta(days=10),
    )

    def concern(given: str, family_name: str) -> Contact:
        return contact_create(
            details=ContactDetails(
                concern="Seen alone at the park after dark, cold and hungry.",
                immediate_danger="no",
                anonymous=True,
                child_given_name=given,
                child_family_name=family_name,
            ),
            source=Contact.Source.PUBLIC,
        )

    waiting = concern("Lacey", "Quennell")
    triage_decide(
        contact=concern("Maisie", "Quennell"),
        outcome="assessment",
        reason="Second concern this month.",
        by=mash,
    )
    assessment = assessment_start(person=family.lacey, by=worker)
    plan = plan_start(
        person=family.lacey,
        kind=Plan.Kind.CHILD_IN_NEED,
        started_on=timezone.localdate(),
        lead=worker,
        outcomes=["Lacey is brought to her health appointments"],
    )
    pair = _pair_for_review(family)
    notifications_push(now=timezone.now())
    return {
        "engineer": engineer,
        "mash": mash,
        "worker": worker,
        "manager": manager,
        "partner": partner,
        "contact": waiting,
        "assessment": assessment,
        "plan": plan,
        "feed_file": FeedFile.objects.order_by("pk").last(),
        "line": QuarantinedLine.objects.order_by("pk").first(),
        "pair": pair,
        "review": review,
    }


def _pair_for_review(family: Family) -> CandidatePair:
    """A doubtful pair in the review queue: Tom's police record and Maisie's health visitor's.

    The family is too small to train a linkage model on, so the pair is stored
    as a run stores its pairs, with an explanation in the engine's shape.
    """
    run = LinkRun.objects.order_by("pk").last()
    assert run is not None
    ids = sorted(
        AgencyPerson.objects.filter(person__in=[family.tom, family.maisie]).values_list(
            "pk", flat=True
        )[:2]
    )
    explanation = {
        "prior": -9.5,
        "total": 1.2,
        "comparisons": [
            {
                "comparison": "given_name",
                "level": "different",
                "weight": -4.1,
                "left": "TOM",
                "right": "MAISIE",
            },
            {
                "comparison": "family_name",
                "level": "exact",
                "weight": 8.2,
                "left": "BROWN",
                "right": "QUENNELL",
            },
        ],
    }
    candidate_pairs_store(
        run=run,
        candidates=[
            Candidate(ids[0], ids[1], CandidatePair.Band.REVIEW, 0.7, "", json.dumps(explanation))
        ],
    )
    return CandidatePair.objects.get(band=CandidatePair.Band.REVIEW)


def test_every_signed_out_page_passes_axe(live_server: Any, browser: Browser) -> None:
    sweep = Sweep(live_server.url)

    def work(page: Any) -> None:
        sweep.visit(page, "/sign-in", "sign-in")
        page.fill("#id_username", "nobody")
        page.fill("#id_password", "wrong")
        submit(page, "Sign in")
        sweep.check(page, "sign-in with an error")

        sweep.visit(page, "/report-a-concern", "report a concern")
        submit(page, "Send your concern")
        assert page.title().startswith("Error:"), page.title()
        sweep.check(page, "report a concern, sent empty")

        _fill_concern(page)
        page.get_by_role("button", name="Send your concern").click()
        page.wait_for_url(re.compile(r"/report-a-concern/sent$"))
        sweep.check(page, "concern received")

    _in_context(browser, work, sweep)
    assert not sweep.csp_reports, sweep.csp_report()
    assert sweep.checked == [
        "sign-in",
        "sign-in with an error",
        "report a concern",
        "report a concern, sent empty",
        "concern received",
    ]
    assert not sweep.problems, sweep.report()


def _fill_concern(page: Any) -> None:
    for name, value in CONCERN.items():
        field = page.locator(f'[name="{name}"]')
        if field.first.get_attribute("type") == "radio":
            page.check(f'[name="{name}"][value="{value}"]')
        else:
            field.fill(value)


def test_every_staff_page_passes_axe_for_each_role(
    live_server: Any, browser: Browser, borough: dict[str, Any], family: Family
) -> None:
    sweep = Sweep(live_server.url)
    lacey = f"/people/{family.lacey.public_id}"
    assessment = f"{lacey}/assessments/{borough['assessment'].pk}"
    line, feed_file = borough["line"].pk, borough["feed_file"].pk
    contact, pair = borough["contact"].pk, borough["pair"]
    plan = f"{lacey}/plans/{borough['plan'].pk}"
    review = f"/reviews/{borough['review'].reference}"

    def work(page: Any) -> None:
        sign_in(page, sweep.base, "data.engineer")
        sweep.check(page, "data engineer: after signing in")
        sweep.visit(page, "/", "feeds overview")
        sweep.visit(page, "/quarantine", "quarantine list")
        sweep.visit(page, f"/quarantine/{line}", "a quarantined line")
        sweep.visit(page, f"/feeds/{feed_file}", "a feed file")
        sweep.visit(page, "/retention", "retention schedule and runs")
        sign_out(page)

        sign_in(page, sweep.base, "mash.practitioner")
        sweep.visit(page, "/people/search", "person search, empty")
        sweep.visit(page, "/people/search?q=Quennell", "person search with results")
        sweep.visit(page, "/people/search?q=", "person search with an error")
        sweep.visit(page, lacey, "the child's summary")
        sweep.visit(page, f"{lacey}/chronology", "chronology")
        sweep.visit(page, f"{lacey}/family", "family network")
        sweep.visit(page, f"{lacey}/access-log", "access log")
        sweep.visit(page, "/mash", "MASH worklist")
        sweep.visit(page, f"/mash/contacts/{contact}", "a contact's triage")
        sweep.visit(page, "/mash/steps", "steps")
        sweep.visit(page, "/linkage/review", "linkage review list")
        if pair is not None:
            sweep.visit(page, f"/linkage/review/{pair.pk}", "a linkage pair")
        sign_out(page)

        sign_in(page, sweep.base, "social.worker")
        sweep.visit(page, lacey, "social worker: the child's summary")
        sweep.visit(page, f"{lacey}/assessments", "neglect assessments list")
        sweep.visit(page, assessment, "a neglect assessment")
        sweep.visit(page, "/notifications", "notifications")
        sweep.visit(page, "/caseload", "caseload")
        sweep.visit(page, f"{lacey}/plans", "plans and services")
        sweep.visit(page, plan, "a plan")
        sweep.visit(page, f"{plan}/end", "ending a plan, with the step-down checks")
        tom = f"/people/{family.tom.public_id}"
        sweep.visit(page, tom, "a child they may not open: 404 with break-glass", status=404)
        sweep.visit(page, f"/break-glass?person={family.tom.public_id}", "break-glass form")
        page.fill("#id_reason", "Called out of hours: child found alone, need the history")
        submit(page, "Break glass and open the record")
        sweep.check(page, "break-glass granted")
        sweep.visit(page, tom, "a child's summary under break-glass, with its banner")
        sign_out(page)

        sign_in(page, sweep.base, "team.manager")
        sweep.visit(page, "/mash", "team manager: MASH worklist")
        sweep.visit(page, f"{lacey}/access-log", "team manager: access log")
        sweep.visit(page, "/notifications", "team manager: notifications")
        sweep.visit(page, f"{lacey}/allocation", "team manager: allocating the child")
        sweep.visit(page, "/break-glass/grants", "team manager: break-glass grants")
        sweep.visit(page, "/dashboard", "team manager: the partnership's dashboard")
        sweep.visit(page, "/dashboard?area=Yarmouth", "the dashboard with an error")
        sign_out(page)

        sign_in(page, sweep.base, "partnership.officer")
        sweep.visit(page, "/reviews", "officer: case reviews")
        sweep.visit(page, "/reviews/new", "starting a review")
        sweep.visit(page, review, "a case review with its suggestions")
        sweep.visit(page, f"{review}/edit", "changing a review")
        sweep.visit(page, f"{review}/children", "adding a child to a review")
        sweep.visit(page, f"{review}/findings", "adding a finding")
        sweep.visit(page, "/learning-themes", "learning themes")
        sweep.visit(page, f"{review}/recommendations", "recommendations and actions")
        sweep.visit(page, "/review-actions", "the action tracker, with an overdue action")
        sweep.visit(page, f"{review}/chronology", "the review chronology form")
        sweep.visit(page, f"{review}/publication", "writing the publication")
        sweep.visit(page, f"{review}/published", "the published review")
        sweep.visit(page, "/returns/cin-census", "the CIN census")
        sign_out(page)

        sign_in(page, sweep.base, "administrator")
        sweep.visit(page, "/subject-access", "administrator: subject access")
        sweep.visit(page, "/subject-access?person=P-0000000000", "subject access with an error")
        sign_out(page)

        sign_in(page, sweep.base, "health.visitor")
        sweep.visit(page, lacey, "partner: the child's summary")
        sweep.visit(page, assessment, "partner: a neglect assessment")
        sweep.visit(page, f"{lacey}/plans", "partner: plans and services")
        sweep.visit(page, "/referrals/new", "partner: make a referral")

    _in_context(browser, work, sweep)
    assert not sweep.problems, sweep.report()
    assert len(sweep.checked) == 56, sweep.checked
    assert not sweep.csp_reports, sweep.csp_report()


def test_sign_in_and_report_a_concern_work_without_javascript(
    live_server: Any, browser: Browser, make_staff: Callable[..., Any]
) -> None:
    make_staff(Role.MASH, username="mash.practitioner")

    def work(page: Any) -> tuple[str, str]:
        page.goto(live_server.url + "/report-a-concern")
        _fill_concern(page)
        page.get_by_role("button", name="Send your concern").click()
        page.wait_for_url(re.compile(r"/report-a-concern/sent$"))
        received = page.content()
        sign_in(page, live_server.url, "mash.practitioner")
        return received, page.locator("h1").inner_text()

    received, landing = _in_context(browser, work, java_script_enabled=False)
    assert Contact.objects.get().reference in received
    assert landing  # signed in: sign_in() saw the sign-in page left behind


def test_the_policy_is_in_force_in_chromium_and_a_violation_is_heard(
    live_server: Any, browser: Browser
) -> None:
    """An inline script added to a page is refused, and the sweeps' console check hears it."""
    sweep = Sweep(live_server.url)

    def work(page: Any) -> bool:
        sweep.visit(page, "/sign-in", "sign-in")
        ran = page.evaluate(
            """() => {
                window.inlineRan = false;
                const s = document.createElement('script');
                s.textContent = 'window.inlineRan = true;';
                document.body.appendChild(s);
                return window.inlineRan;
            }"""
        )
        page.wait_for_timeout(200)  # the console message arrives just after
        return bool(ran)

    assert _in_context(browser, work, sweep) is False
    assert len(sweep.csp_reports) == 1, sweep.csp_report()
    assert "script-src" in sweep.csp_reports[0]


def test_two_factor_set_up_and_sign_in_with_a_code_in_chromium(
    live_server: Any, browser: Browser, make_staff: Callable[..., Any]
) -> None:
    """The whole two-factor journey in a real browser, under the real policy: set up
    from the page's key, sign out, sign in again with a fresh code."""
    make_staff(Role.SOCIAL_WORKER, username="social.worker")
    sweep = Sweep(live_server.url)

    def code(key: str, steps_ahead: int = 0) -> str:
        from django_otp.oath import TOTP

        clock = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)), 30, 0, 6)
        clock.time = time.time() + 30 * steps_ahead
        return f"{clock.token():06d}"

    def work(page: Any) -> list[str]:
        landed = []
        page.goto(sweep.base + "/caseload")
        page.fill("#id_username", "social.worker")
        page.fill("#id_password", PASSWORD)
        submit(page, "Sign in")
        assert "/sign-in/two-factor/set-up" in page.url, page.url
        sweep.check(page, "two-factor set-up")
        assert page.locator("svg.app-qr-code").is_visible()
        key = page.locator("#secret-key").inner_text().replace(" ", "")
        page.fill("#id_token", "000000" if code(key) != "000000" else "111111")
        submit(page, "Finish setting up")
        sweep.check(page, "two-factor set-up, wrong code")
        # After a wrong code django-otp makes the next try wait a second (the page says so);
        # a person reading the error takes longer than that, the browser does not.
        page.wait_for_timeout(2100)
        page.fill("#id_token", code(key))
        submit(page, "Finish setting up")
        landed.append(page.url)
        sign_out(page)

        page.goto(sweep.base + "/caseload")
        page.fill("#id_username", "social.worker")
        page.fill("#id_password", PASSWORD)
        submit(page, "Sign in")
        assert "/sign-in/two-factor?" in page.url, page.url
        sweep.check(page, "two-factor code")
        # The code just used cannot be used again: the app's next one can.
        page.fill("#id_token", code(key, steps_ahead=1))
        submit(page, "Continue")
        landed.append(page.url)
        return landed

    with override_settings(SIGHTLINE_REQUIRE_TWO_FACTOR=True):
        landed = _in_context(browser, work, sweep)
    assert [url.removeprefix(live_server.url) for url in landed] == ["/caseload", "/caseload"]
    assert not sweep.problems, sweep.report()
    assert not sweep.csp_reports, sweep.csp_report()
