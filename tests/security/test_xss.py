"""Stored XSS: a payload in every free-text field anyone can write, then every page read back.

The payload goes in through the way each field is really written (a page's form, a
feed, an account, the request itself; see text_fields.py), is checked to be stored,
and then every page of the table is fetched by every role allowed it, for every
object of child A's: the payload may appear only escaped. Each input carries its own
marker (``~n~``), so the test also knows which inputs some page shows, and fails when
one it expects to be shown is not (a page that stopped showing a field could no
longer be checked).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from sightline.accounts.models import StaffProfile, Team
from sightline.accounts.two_factor import two_factor_reset
from sightline.api.models import ApiToken
from sightline.casework.models import CareArea, CaseStep, Contact, NeglectAssessment, Plan
from sightline.feeds.models import Agency, FeedFile, QuarantinedLine
from sightline.feeds.retention import legal_hold_place, legal_hold_release
from sightline.feeds.services import feed_ingest_path
from sightline.indicators.models import Flag
from sightline.indicators.services import evaluation_run
from sightline.linkage.households import relationships_rebuild
from sightline.linkage.models import CandidatePair
from sightline.linkage.variants import agency_persons_sync
from sightline.reviews.models import CaseReview, Recommendation
from tests.chronology.conftest import HV, lacey
from tests.conftest import record
from tests.security.pages import PAGES, review_form
from tests.security.text_fields import DERIVED, TEXT_FIELDS
from tests.security.urls import all_routes, url_of
from tests.security.world import TEAM_A
from tests.web.casework_helpers import place

pytestmark = pytest.mark.django_db

LONG = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
# For fields of 40 characters or fewer.
SHORT = "\"'><svg onload=alert(1)>"
# Only an address passes the email check, so the payload goes in a quoted local part.
EMAIL = '"<img/src=x/onerror=alert(1)>{}"@example.com'
# Any of these in a page means the payload became markup.
LIVE = ("<script>alert(1)", "<img src=x onerror", "<svg onload", "<img/src=x/onerror")
# Inputs stored but shown on no page (so no page can show them unescaped).
NOT_SHOWN: dict[str, str] = {
    "linkage.LinkDecision.reason": "kept with the decision; `sightline link` shows it",
    "feeds.SourceRecord.details": "pages show known detail keys; an extra key is kept only",
    "feeds.SubjectRecord.local_id": "an agency's own id for a person: kept for linkage",
    "accounts.AccessLog.path": "the access log page shows who, what and when, not the path",
    "accounts.AccountEvent.by": "account events are for audit at the server; no page lists them",
    "accounts.AccountEvent.reason": "as accounts.AccountEvent.by",
    "feeds.LegalHold.reason": "kept with the hold; the retention page shows counts, not holds",
    "feeds.LegalHold.placed_by": "as feeds.LegalHold.reason",
    "feeds.LegalHold.released_by": "as feeds.LegalHold.reason",
}


def _sightline_apps() -> list[str]:
    """Every app of Sightline's own, so a new app's models are walked too."""
    return [c.label for c in apps.get_app_configs() if c.name.startswith("sightline.")]


def text_fields_of_models() -> set[str]:
    found = set()
    for label in _sightline_apps():
        for model in apps.get_app_config(label).get_models():
            if not model._meta.managed:
                continue  # chronology.Event: a view over feeds' tables
            for f in model._meta.get_fields():
                is_text = isinstance(f, models.CharField | models.TextField | models.JSONField)
                if is_text and not f.choices:
                    found.add(f"{model._meta.label}.{f.name}")
    return found


def test_every_text_field_of_every_model_says_who_writes_it():
    fields = text_fields_of_models()
    unlisted = sorted(fields - set(TEXT_FIELDS))
    assert not unlisted, (
        f"text fields not in tests/security/text_fields.py: {unlisted}; say who writes each "
        "(and the XSS test will attack it) or why it is nobody's free text"
    )
    assert not sorted(set(TEXT_FIELDS) - fields), "text_fields.py lists fields that are gone"


class Payloads:
    """A payload for each input, each with its own marker."""

    def __init__(self) -> None:
        self.markers: dict[str, str] = {}

    def __call__(self, key: str, form: str = LONG) -> str:
        marker = self.markers.setdefault(key, f"~{len(self.markers)}~")
        return EMAIL.format(marker) if form == EMAIL else form + marker


def _post(
    client: Any, name: str, kwargs: dict[str, Any], data: dict[str, Any], taken: int = 302
) -> None:
    response = client.post(reverse(f"web:{name}", kwargs=kwargs), data)
    assert response.status_code == taken, (name, response.status_code, response.content[:3000])


def _write_through_feeds(p: Payloads, write_feed: Any) -> None:
    subject = {
        **lacey("CHR-HV-LACEY"),
        "other_names": [p("feeds.SubjectRecord.other_names")],
        "address": p("feeds.SubjectRecord.address"),
        # A postcode that parses: the header shows the address that comes with one.
        "postcode": "NR1 1AA",
        "nhs_number": p("feeds.SubjectRecord.nhs_number_as_written", SHORT),
        "upn": p("feeds.SubjectRecord.upn_as_written", SHORT),
    }
    related = {
        "role": "household_member",
        "person": {
            "local_id": p("feeds.SubjectRecord.local_id"),
            "given_name": p("feeds.SubjectRecord.given_name"),
            "family_name": p("feeds.SubjectRecord.family_name"),
            "postcode": p("feeds.SubjectRecord.postcode_as_written", SHORT),
        },
    }
    hostile = [
        record(
            agency=HV,
            record_id=p("feeds.SourceRecord.record_id"),
            type="health_appointment",
            occurred_at="2023-09-01",
            subject=subject,
            related=[related],
            details={
                "service": "health_visitor",
                "outcome": "was_not_brought",
                "note": p("feeds.SourceRecord.details"),
            },
            summary=p("feeds.SourceRecord.summary"),
        ),
        record(agency=p("feeds.QuarantinedLine.agency_code"), record_id=p("quarantined")),
    ]
    name = p("feeds.FeedFile.name", SHORT) + ".jsonl"
    result = feed_ingest_path(
        path=write_feed(hostile, name=name), sent_by=p("feeds.FeedFile.sent_by")
    )
    assert not result.error and (result.accepted, result.rejected) == (1, 1), result
    # As the next linkage and evaluation runs would: the related person becomes an
    # agency person, and the hostile record evidence for the flag.
    agency_persons_sync()
    place((HV, p("feeds.SubjectRecord.local_id")))
    relationships_rebuild()
    evaluation_run(today=timezone.localdate())


def _write_through_accounts(p: Payloads, world: Any) -> None:
    Team.objects.filter(name=TEAM_A).update(name=p("accounts.Team.name"))
    StaffProfile.objects.filter(user=world.users["partner"]).update(
        job_title=p("accounts.StaffProfile.job_title")
    )
    Agency.objects.filter(code=HV).update(name=p("feeds.Agency.name"))


def _write_through_commands(p: Payloads, world: Any) -> None:
    """As `sightline retention hold` / `release` and `sightline users reset-2fa` would."""
    hold = legal_hold_place(
        public_id=world.a.public_id,
        reason=p("feeds.LegalHold.reason"),
        by=p("feeds.LegalHold.placed_by"),
    )
    legal_hold_release(hold_id=hold.pk, by=p("feeds.LegalHold.released_by"))
    two_factor_reset(
        username=world.users["social_worker"].username,
        by=p("accounts.AccountEvent.by"),
        reason=p("accounts.AccountEvent.reason"),
    )


def _write_through_forms(p: Payloads, world: Any) -> None:
    a = world.a.as_kwargs()
    child = {"public_id": a["public_id"]}
    signed_out, mash = world.client("signed_out"), world.client("mash")
    worker, partner = world.client("social_worker"), world.client("partner")
    # Emergency access to child B, whom the health visitor may not open.
    _post(
        partner,
        "break-glass",
        {},
        {"person": world.b.public_id, "reason": p("accounts.BreakGlassGrant.reason")},
    )
    _post(
        signed_out,
        "report-concern",
        {},
        {
            "reporter_type": "professional",
            "give_details": "yes",
            "reporter_name": p("casework.Contact.reporter_name"),
            "reporter_phone": p("casework.Contact.reporter_phone", SHORT),
            "reporter_email": p("casework.Contact.reporter_email", EMAIL),
            "reporter_relationship": p("casework.Contact.reporter_relationship"),
            "child_given_name": p("casework.Contact.child_given_name"),
            "child_family_name": p("casework.Contact.child_family_name"),
            "child_age": p("casework.Contact.child_age", SHORT),
            "child_address": p("casework.Contact.child_address"),
            "child_school": p("casework.Contact.child_school"),
            "concern": p("casework.Contact.concern"),
            "immediate_danger": "no",
        },
    )
    _post(
        partner,
        "referral-new",
        {},
        {
            "reporter_phone": "01603 000000",
            "child_given_name": "Amy",
            "concern": "Hungry at school.",
            "immediate_danger": "no",
            "family_aware": "yes",
        },
    )
    _post(
        mash,
        "mash-contact",
        {"contact_id": a["contact_id"]},
        {"outcome": "early_help", "reason": p("casework.TriageDecision.reason")},
    )
    _post(
        worker,
        "flag-dismiss",
        {**child, "flag_id": a["flag_id"]},
        {"reason": p("indicators.Flag.status_reason")},
    )
    _post(
        world.client("team_manager"),
        "person-allocation",
        child,
        {"worker": str(world.colleague.pk), "reason": p("casework.Allocation.reason")},
    )
    assessment = {**child, "assessment_id": a["assessment_id"]}
    contribution = {
        "action": "contribute",
        "area": CareArea.PHYSICAL_CARE,
        "grade": "3",
        **{
            f: p(f"casework.AssessmentContribution.{f}")
            for f in ("evidence", "working_well", "worries", "needs_to_happen")
        },
    }
    _post(partner, "person-assessment", assessment, contribution)
    complete: dict[str, Any] = {
        "action": "complete",
        "summary": p("casework.NeglectAssessment.summary"),
    }
    for area in CareArea.values:
        complete[f"{area}-grade"] = "2"
        complete[f"{area}-evidence"] = p("casework.AgreedGrade.evidence")
    _post(worker, "person-assessment", assessment, complete)
    _post(
        worker,
        "plan-start",
        child,
        {
            "plan-kind": "child_protection",
            "plan-category": p("casework.Plan.category", SHORT),
            "plan-started_on": "1 5 2023",
            "plan-outcomes": p("casework.PlanOutcome.description"),
        },
    )
    plan = {**child, "plan_id": a["plan_id"]}
    outcome = Plan.objects.get(pk=a["plan_id"]).outcomes.get()
    _post(
        worker,
        "plan-action-add",
        plan,
        {
            "action-outcome": str(outcome.pk),
            "action-description": p("casework.PlanAction.description"),
            "action-owner": p("casework.PlanAction.owner"),
            "action-due_on": "1 6 2030",
        },
    )
    _post(
        worker,
        "plan-meeting",
        plan,
        {
            "meeting-kind": "review",
            "meeting-held_on": "3 5 2023",
            "meeting-attended_by": p("casework.PlanMeeting.attended_by"),
            "meeting-notes": p("casework.PlanMeeting.notes"),
        },
    )
    _post(
        worker,
        "referral-create",
        child,
        {"refer-service": "early_help", "refer-reason": p("casework.ServiceReferral.reason")},
    )
    prefix = f"referral-{a['referral_id']}"
    _post(
        worker,
        "referral-outcome",
        {**child, "referral_id": a["referral_id"]},
        {
            f"{prefix}-outcome": "accepted",
            f"{prefix}-outcome_on": "2 5 2023",
            f"{prefix}-note": p("casework.ServiceReferral.outcome_note"),
        },
    )
    _post(
        worker,
        "plan-end",
        plan,
        {
            "ending": "closed",
            "ended_on": "4 5 2023",
            "reason": p("casework.Plan.ending_reason"),
            "review_note": p("casework.Plan.ending_review_note"),
        },
    )
    _post(
        world.client("data_engineer"),
        "link-review-pair",
        {"pair_id": world.pair_id},
        {"decision": "different", "reason": p("linkage.LinkDecision.reason")},
    )
    agency = Agency.objects.get(code=world.token_agency)
    _post(
        world.client("administrator"),
        "api-token-new",
        {},
        {"agency": str(agency.pk), "name": p("api.ApiToken.name")},
        taken=201,  # the new token's secret is shown on this answer
    )
    officer = world.client("partnership_officer")
    review = {"reference": world.reference}
    _post(
        officer,
        "review-edit",
        review,
        {
            **review_form(world),
            "title": p("reviews.CaseReview.title"),
            "independent_reviewer": p("reviews.CaseReview.independent_reviewer"),
            "terms_of_reference": p("reviews.CaseReview.terms_of_reference"),
        },
    )
    _post(
        officer,
        "review-findings",
        review,
        {"text": p("reviews.Finding.text"), "themes": ["was-not-brought"]},
    )
    _write_review_actions(p, world)
    _post(
        world.client("partnership_officer"),
        "review-publication",
        {"reference": world.reference},
        {
            "published_title": p("reviews.CaseReview.published_title"),
            "published_summary": p("reviews.CaseReview.published_summary"),
        },
    )
    # The request itself: a query string the chronology page is asked with.
    chronology = reverse("web:person-chronology", kwargs=child)
    worker.get(f"{chronology}?start={p('accounts.AccessLog.path')}")


def _write_review_actions(p: Payloads, world: Any) -> None:
    """A recommendation and an action added by the officer; one action dropped, one done."""
    officer = world.client("partnership_officer")
    review = {"reference": world.reference}
    _post(
        officer,
        "review-recommendation-add",
        review,
        {"rec-text": p("reviews.Recommendation.text"), "rec-owner": "partnership"},
    )
    recommendation = Recommendation.objects.get(review__reference=world.reference, number=2)
    _post(
        officer,
        "review-action-add",
        review,
        {
            "action-recommendation": str(recommendation.pk),
            "action-description": p("reviews.ReviewAction.description"),
            "action-owner": p("reviews.ReviewAction.owner"),
            "action-due_on": "1 6 2030",
        },
    )
    added = recommendation.actions.get()
    today = timezone.localdate()
    _post(
        officer,
        "review-action-update",
        {**review, "review_action_id": added.pk},
        {
            f"action-{added.pk}-status": "done",
            f"action-{added.pk}-completed_on": f"{today.day} {today.month} {today.year}",
            f"action-{added.pk}-evidence": p("reviews.ReviewAction.evidence"),
        },
    )
    dropped = world.review_action_id
    _post(
        officer,
        "review-action-update",
        {**review, "review_action_id": dropped},
        {
            f"action-{dropped}-status": "dropped",
            f"action-{dropped}-reason": p("reviews.ReviewAction.dropped_reason"),
        },
    )


# The same input lands in more than one field.
SAME_INPUT = {
    "indicators.FlagStatusChange.reason": "indicators.Flag.status_reason",
    "feeds.RecordHead.record_id": "feeds.SourceRecord.record_id",
    "indicators.FlagEvidence.record_id": "feeds.SourceRecord.record_id",
    "linkage.AgencyPerson.local_id": "feeds.SubjectRecord.local_id",
    "casework.Contact.reporter_agency": "feeds.Agency.name",
    "casework.Contact.reporter_job_title": "accounts.StaffProfile.job_title",
    # The record as sent holds every payload; warnings and reasons quote some.
    "feeds.SourceRecord.payload": "feeds.SourceRecord.summary",
    "feeds.SourceRecord.warnings": "feeds.SubjectRecord.postcode_as_written",
    "feeds.QuarantinedLine.reasons": "feeds.QuarantinedLine.agency_code",
    "feeds.QuarantinedLine.record_id": "quarantined",
    # What is said with a change of an action's status: here, the evidence it was done.
    "reviews.ReviewActionUpdate.note": "reviews.ReviewAction.evidence",
}


def _stored_without_payload(p: Payloads) -> list[str]:
    missing = []
    for key, (kind, _why) in TEXT_FIELDS.items():
        if kind == DERIVED:
            continue
        app, model_name, field = key.split(".")
        model = apps.get_model(app, model_name)
        marker = p.markers[SAME_INPUT.get(key, key)]
        values = model._default_manager.values_list(field, flat=True)
        if not any(marker in str(v) for v in values):
            missing.append(key)
    return missing


def _object_ids(world: Any) -> dict[str, list[int]]:
    lacey_ = world.family.lacey
    return {
        "flag_id": list(Flag.objects.filter(person=lacey_).values_list("pk", flat=True)),
        "plan_id": list(Plan.objects.filter(person=lacey_).values_list("pk", flat=True)),
        "assessment_id": list(
            NeglectAssessment.objects.filter(person=lacey_).values_list("pk", flat=True)
        ),
        "contact_id": list(Contact.objects.values_list("pk", flat=True)),
        "step_id": list(CaseStep.objects.values_list("pk", flat=True)),
        "feed_file_id": list(FeedFile.objects.values_list("pk", flat=True)),
        "quarantine_id": list(QuarantinedLine.objects.values_list("pk", flat=True)),
        "pair_id": list(CandidatePair.objects.values_list("pk", flat=True)),
        "token_id": list(ApiToken.objects.values_list("pk", flat=True)),
        "reference": list(CaseReview.objects.values_list("reference", flat=True)),
    }


def _urls(world: Any) -> list[tuple[str, str, frozenset[str]]]:
    routes = {r.short: r for r in all_routes()}
    ids = _object_ids(world)
    urls = []
    for page in PAGES:
        if not page.get:
            continue
        route = routes[page.name]
        kwargs = [world.kwargs()]
        for param in route.params:
            if param in ids:
                kwargs = [{**k, param: i} for k in kwargs for i in ids[param]]
        urls += [(page.name, url_of(route, k), page.get) for k in kwargs]
    return urls


def test_stored_payloads_are_shown_only_as_text_on_every_page(world, write_feed):
    p = Payloads()
    _write_through_feeds(p, write_feed)
    _write_through_accounts(p, world)
    _write_through_commands(p, world)
    _write_through_forms(p, world)
    assert _stored_without_payload(p) == []

    clients = {role: world.client(role) for role in {r for _, _, rs in _urls(world) for r in rs}}
    live: list[str] = []
    shown: set[str] = set()
    for name, url, roles in _urls(world):
        for role in sorted(roles):
            response = clients[role].get(url)
            assert response.status_code < 500, (url, role)
            if not response["Content-Type"].startswith("text/html"):
                continue  # a CSV download is not rendered by a browser
            html = response.content.decode()
            live += [f"{name} as {role}: {url} has {s!r}" for s in LIVE if s in html]
            # Escaped as HTML, or percent-encoded where a page shows a URL.
            shown |= {k for k, m in p.markers.items() if f"&gt;{m}" in html or f"%3E{m}" in html}
    assert not live, "payloads that became markup:\n" + "\n".join(live)
    never_shown = sorted(set(p.markers) - shown - set(NOT_SHOWN))
    assert not never_shown, f"inputs no page shows (add to NOT_SHOWN with why): {never_shown}"
