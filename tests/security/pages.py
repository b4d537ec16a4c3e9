"""THE table: every page of Sightline, which roles may GET it and which may POST to it.

One row per URL name. ``tests/security/test_authorisation.py`` walks Django's URL
resolver and fails for a URL name with no row here, so a new page cannot be added
without saying who may use it. To add a page, add one row:

    Page("partner-tokens", get=ADMINS, post=ADMINS, form=lambda w: {"name": "x"}),

``get`` / ``post``: the roles allowed; ``None`` when the page does not take that
method at all (the matrix then expects 405 from everyone signed in). ``form``: a
valid POST body for an allowed role, built from the world (``tests/security/world.py``),
so an allowed POST does what a person's would. Every page is tried with child A's
ids (Lacey, allocated to the social worker's team and known to the health visitor).

Allowed means 200, or a redirect that is not to sign-in (signing out lands on the
sign-in page itself, which counts as allowed); denied means 403, 404, or a redirect to
sign-in with the page asked for as ``next``. Roles are the ``accounts.models.Role``
values and ``signed_out``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MASH = "mash"
SOCIAL_WORKER = "social_worker"
TEAM_MANAGER = "team_manager"
PARTNER = "partner"
OFFICER = "partnership_officer"
ADMIN = "administrator"
ENGINEER = "data_engineer"
SIGNED_OUT = "signed_out"

Roles = frozenset[str]
STAFF: Roles = frozenset({MASH, SOCIAL_WORKER, TEAM_MANAGER, PARTNER, OFFICER, ADMIN, ENGINEER})
EVERYONE: Roles = STAFF | {SIGNED_OUT}
NOBODY: Roles = frozenset()
# Who may open child A's record (accounts/access.py): the MASH, her allocated worker and
# their manager, and the health visitor whose agency holds records about her.
CHILD_A_VIEWERS: Roles = frozenset({MASH, SOCIAL_WORKER, TEAM_MANAGER, PARTNER})
# Who leads her casework: children's social care (access.casework_may_lead).
CASEWORK: Roles = frozenset({MASH, SOCIAL_WORKER, TEAM_MANAGER})
FRONT_DOOR: Roles = frozenset({MASH, TEAM_MANAGER})  # access_casework.may_work_in_mash
REFERRERS: Roles = frozenset({MASH, SOCIAL_WORKER, TEAM_MANAGER, PARTNER})
FEEDS: Roles = frozenset({ADMIN, ENGINEER})  # access.feeds_may_view
LINK_REVIEWERS: Roles = frozenset({ENGINEER, MASH, TEAM_MANAGER})
ALLOCATORS: Roles = frozenset({MASH, TEAM_MANAGER})
ACCESS_LOG: Roles = frozenset({MASH, TEAM_MANAGER})
CASELOAD: Roles = frozenset({SOCIAL_WORKER, TEAM_MANAGER})
# The home page sends practitioners to where their work starts, partnership officers
# to the dashboard, and shows data engineers and administrators the feeds.
# Who may ask for emergency access to a child they may not open (access.break_glass_may_request).
BREAK_GLASS: Roles = frozenset({SOCIAL_WORKER, TEAM_MANAGER, PARTNER})
HOME: Roles = frozenset({MASH, SOCIAL_WORKER, TEAM_MANAGER, PARTNER, OFFICER, ADMIN, ENGINEER})
TOKEN_ADMINS: Roles = frozenset({ADMIN})  # access.api_tokens_may_manage
RETENTION: Roles = frozenset({ADMIN, ENGINEER})  # access.retention_may_view
REVIEW_READERS: Roles = frozenset({OFFICER, TEAM_MANAGER})  # access.reviews_may_view
REVIEW_MANAGERS: Roles = frozenset({OFFICER})  # access.reviews_may_manage
# The world's team manager has no agency, so records progress on no review action
# (access.review_action_may_update: only their own agency's).
RETURNS: Roles = frozenset({OFFICER, ADMIN})  # access.returns_may_view
DASHBOARD: Roles = frozenset({OFFICER, TEAM_MANAGER})  # access.dashboard_may_view
# The partner API (sightline.api, django-ninja) under /api/v1/. It reads no session:
# a caller is a system with its agency's token, so nobody signed in may POST a feed
# (401 without a token) and no CSRF token is asked for. Its token attacks are in
# test_api_attacks.py.
TOKEN_API: frozenset[str] = frozenset({"api-root", "feeds_post", "openapi-json"})

Form = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Page:
    name: str
    get: Roles | None
    post: Roles | None = None
    form: Form | None = None


def _concern(w: Any) -> dict[str, Any]:
    return {
        "reporter_type": "public",
        "give_details": "no",
        "child_given_name": "Amy",
        "child_family_name": "Fenn",
        "concern": "Left alone overnight.",
        "immediate_danger": "no",
    }


def _referral(w: Any) -> dict[str, Any]:
    return {
        "reporter_phone": "01603 000000",
        "child_given_name": "Amy",
        "concern": "Left alone overnight.",
        "immediate_danger": "no",
        "family_aware": "yes",
    }


def _contribution(w: Any) -> dict[str, Any]:
    return {"action": "contribute", "area": "physical_care", "grade": "3", "evidence": "Seen."}


def _allocation(w: Any) -> dict[str, Any]:
    return {"worker": str(w.colleague.pk), "reason": "Continuity"}


def _action(w: Any) -> dict[str, Any]:
    from sightline.casework.models import PlanOutcome

    outcome = PlanOutcome.objects.get(plan_id=w.a.plan_id)
    return {
        "action-outcome": str(outcome.pk),
        "action-description": "Visit",
        "action-owner": "Social worker",
        "action-due_on": "1 6 2030",
    }


def _password_change(w: Any) -> dict[str, Any]:
    from tests.web.people_fixtures import PASSWORD

    new = "Sevenhorses-Lantern-42"
    return {"old_password": PASSWORD, "new_password1": new, "new_password2": new}


def _token_new(w: Any) -> dict[str, Any]:
    from sightline.feeds.models import Agency

    agency = Agency.objects.get(code=w.token_agency)
    return {"agency": str(agency.pk), "name": "Health visiting nightly export"}


def _referral_outcome(w: Any) -> dict[str, Any]:
    prefix = f"referral-{w.a.referral_id}"
    return {f"{prefix}-outcome": "accepted", f"{prefix}-outcome_on": "2 5 2023"}


def _review_child(w: Any) -> dict[str, Any]:
    # A person of the world's own for this row (the review already has Maisie as AM).
    return {"person": w.spare_person_id, "code": "XA"}


def review_form(w: Any) -> dict[str, Any]:
    return {
        "kind": "rapid",
        "title": "Review of Child AM",
        "incident_on_day": "2",
        "incident_on_month": "3",
        "incident_on_year": "2026",
        "started_on_day": "9",
        "started_on_month": "3",
        "started_on_year": "2026",
    }


def _review_action(w: Any) -> dict[str, Any]:
    from sightline.reviews.models import Recommendation

    rec = Recommendation.objects.get(review__reference=w.reference, number=1)
    return {
        "action-recommendation": str(rec.pk),
        "action-description": "Audit the household forms",
        "action-owner": "Health visiting: named nurse",
        "action-due_on": "1 6 2030",
    }


def _review_action_update(w: Any) -> dict[str, Any]:
    prefix = f"action-{w.review_action_id}"
    return {f"{prefix}-status": "in_progress", f"{prefix}-note": "Started"}


def _review_action_reschedule(w: Any) -> dict[str, Any]:
    prefix = f"due-{w.review_action_id}"
    return {f"{prefix}-due_on": "1 7 2030", f"{prefix}-reason": "Waiting for the national form"}


PAGES: tuple[Page, ...] = (
    # Sign-in and the feeds (web/views.py)
    Page("overview", get=HOME),
    Page("sign-in", get=EVERYONE, post=EVERYONE, form=lambda w: {"username": "x", "password": "y"}),
    Page("sign-out", get=None, post=STAFF, form=lambda w: {}),
    Page("feed-file", get=FEEDS),
    Page("quarantine", get=FEEDS),
    Page("quarantine-line", get=FEEDS),
    Page("retention", get=RETENTION),
    # The CIN census return (without a year: the form; the XML link asks for one).
    Page("cin-census", get=RETURNS),
    Page("cin-census-xml", get=RETURNS),
    # Two-factor sign-in and password change (web/auth_views.py). Two-factor is off in
    # the test settings, so a signed-in person with no authenticator app is sent from
    # the code step to setting one up; no valid code can be written ahead of time.
    Page("two-factor", get=STAFF, post=STAFF, form=lambda w: {"token": "123456"}),
    Page("two-factor-set-up", get=STAFF, post=STAFF, form=lambda w: {"token": "123456"}),
    Page("password-change", get=STAFF, post=STAFF, form=_password_change),
    # Agency API tokens, for administrators (web/token_views.py), on the world's token.
    Page("api-tokens", get=TOKEN_ADMINS),
    Page("api-token-new", get=TOKEN_ADMINS, post=TOKEN_ADMINS, form=_token_new),
    Page("api-token", get=TOKEN_ADMINS),
    Page(
        "api-token-rotate",
        get=None,
        post=TOKEN_ADMINS,
        form=lambda w: {"old_one": "overlap"},
    ),
    Page("api-token-revoke", get=None, post=TOKEN_ADMINS, form=lambda w: {}),
    # The partner API (api/views.py): see TOKEN_API. Its root is django-ninja's
    # ``default_home``, there only so the API's path can be reversed: 404 for everyone
    # (docs_url is off). The OpenAPI description is public. A feed is POSTed with a
    # token only, so the table's roles, all with a session and no token, get 401.
    Page("api-root", get=NOBODY, post=NOBODY, form=lambda w: {}),
    Page("openapi-json", get=EVERYONE),
    Page("feeds_post", get=None, post=NOBODY, form=lambda w: {}),
    # Identity review (web/linkage_views.py)
    Page("link-review", get=LINK_REVIEWERS),
    Page(
        "link-review-pair",
        get=LINK_REVIEWERS,
        post=LINK_REVIEWERS,
        form=lambda w: {"decision": "different", "reason": "Different dates of birth"},
    ),
    # The child's pages (web/people_views.py)
    Page("person-search", get=STAFF),
    Page("person", get=CHILD_A_VIEWERS),
    Page("person-chronology", get=CHILD_A_VIEWERS),
    Page("person-family", get=CHILD_A_VIEWERS),
    Page("person-access-log", get=ACCESS_LOG),
    Page("person-access-log-csv", get=ACCESS_LOG),
    # Break-glass and subject access (web/audit_views.py): emergency access is asked for
    # child B, whom none of these roles may open.
    Page(
        "break-glass",
        get=BREAK_GLASS,
        post=BREAK_GLASS,
        form=lambda w: {
            "person": w.b.public_id,
            "reason": "Police called tonight: the child may be left alone at home",
        },
    ),
    Page("break-glass-granted", get=BREAK_GLASS),
    Page("break-glass-grants", get=ACCESS_LOG),
    Page("subject-access", get=frozenset({ADMIN})),
    Page("flag-acknowledge", get=None, post=CASEWORK, form=lambda w: {}),
    Page("flag-dismiss", get=CASEWORK, post=CASEWORK, form=lambda w: {"reason": "Explained"}),
    # The front door and the MASH (web/mash_views.py)
    Page("report-concern", get=EVERYONE, post=EVERYONE, form=_concern),
    Page("concern-sent", get=EVERYONE),
    Page("referral-new", get=REFERRERS, post=REFERRERS, form=_referral),
    Page("referral-sent", get=REFERRERS),
    Page("mash", get=FRONT_DOOR),
    Page(
        "mash-contact",
        get=FRONT_DOOR,
        post=FRONT_DOOR,
        form=lambda w: {"outcome": "early_help", "reason": "Family asked for help"},
    ),
    Page(
        "mash-flag",
        get=FRONT_DOOR,
        post=FRONT_DOOR,
        form=lambda w: {"outcome": "nfa", "reason": "Known and managed"},
    ),
    Page("mash-steps", get=FRONT_DOOR),
    Page("mash-step-done", get=None, post=FRONT_DOOR, form=lambda w: {}),
    # Assessments (web/assessment_views.py)
    Page("person-assessments", get=CHILD_A_VIEWERS),
    Page("person-assessment-start", get=None, post=CASEWORK, form=lambda w: {}),
    Page("person-assessment", get=CHILD_A_VIEWERS, post=CHILD_A_VIEWERS, form=_contribution),
    # Notifications, caseloads, allocation (web/notification_views.py, caseload_views.py)
    Page("notifications", get=STAFF),
    Page("notifications-read", get=None, post=STAFF, form=lambda w: {}),
    Page("caseload", get=CASELOAD),
    Page("person-allocation", get=ALLOCATORS, post=ALLOCATORS, form=_allocation),
    # Plans and specialist services (web/plan_views.py)
    Page("person-plans", get=CHILD_A_VIEWERS),
    Page(
        "plan-start",
        get=None,
        post=CASEWORK,
        form=lambda w: {
            "plan-kind": "child_protection",
            "plan-started_on": "1 5 2023",
            "plan-outcomes": "Safe at home",
        },
    ),
    Page("person-plan", get=CHILD_A_VIEWERS),
    Page("plan-action-add", get=None, post=CASEWORK, form=_action),
    Page("plan-action-done", get=None, post=CASEWORK, form=lambda w: {}),
    Page(
        "plan-meeting",
        get=None,
        post=CASEWORK,
        form=lambda w: {"meeting-kind": "review", "meeting-held_on": "3 5 2023"},
    ),
    Page(
        "plan-end",
        get=CASEWORK,
        post=CASEWORK,
        form=lambda w: {
            "ending": "closed",
            "ended_on": "4 5 2023",
            "reason": "Moved away",
            "review_note": "Flags passed to the new authority",
        },
    ),
    Page(
        "referral-create",
        get=None,
        post=CASEWORK,
        form=lambda w: {"refer-service": "early_help", "refer-reason": "Routines"},
    ),
    Page("referral-outcome", get=None, post=CASEWORK, form=_referral_outcome),
    # Case reviews and learning themes (web/review_views.py), on the world's review.
    Page("reviews", get=REVIEW_READERS),
    Page("review-new", get=REVIEW_MANAGERS, post=REVIEW_MANAGERS, form=review_form),
    Page("review-detail", get=REVIEW_READERS),
    Page("review-edit", get=REVIEW_MANAGERS, post=REVIEW_MANAGERS, form=review_form),
    Page("review-status", get=None, post=REVIEW_MANAGERS, form=lambda w: {"status": "in_progress"}),
    Page(
        "review-children",
        get=REVIEW_MANAGERS,
        post=REVIEW_MANAGERS,
        form=_review_child,
    ),
    Page(
        "review-findings",
        get=REVIEW_MANAGERS,
        post=REVIEW_MANAGERS,
        form=lambda w: {"text": "Missed care", "themes": ["was-not-brought"]},
    ),
    Page("learning-themes", get=REVIEW_READERS),
    # Case reviews' recommendations and actions (web/review_action_views.py)
    Page("review-recommendations", get=REVIEW_READERS),
    Page(
        "review-recommendation-add",
        get=None,
        post=REVIEW_MANAGERS,
        form=lambda w: {"rec-text": "Share the plan", "rec-owner": "partnership"},
    ),
    Page("review-action-add", get=None, post=REVIEW_MANAGERS, form=_review_action),
    Page("review-action-update", get=None, post=REVIEW_MANAGERS, form=_review_action_update),
    Page(
        "review-action-reschedule", get=None, post=REVIEW_MANAGERS, form=_review_action_reschedule
    ),
    Page("review-actions", get=REVIEW_READERS),
    Page("review-actions-csv", get=REVIEW_READERS),
    # A case review's chronology and its publication (web/review_chronology_views.py), on
    # the world's open review of Maisie. A download without the form's choices goes
    # back to the form (a redirect, allowed).
    Page("review-chronology", get=REVIEW_MANAGERS),
    Page("review-chronology-download", get=REVIEW_MANAGERS),
    Page(
        "review-publication",
        get=REVIEW_MANAGERS,
        post=REVIEW_MANAGERS,
        form=lambda w: {"published_title": "", "published_summary": "What we learned."},
    ),
    Page("review-published", get=REVIEW_READERS),
    Page("review-published-pdf", get=REVIEW_READERS),
    # The partnership's dashboard (web/dashboard_views.py): counts, no child's record.
    # Its filters are a GET form, so nothing is posted.
    Page("dashboard", get=DASHBOARD),
    Page("dashboard-csv", get=DASHBOARD),
    Page("dashboard-chart", get=DASHBOARD),
)

BY_NAME: dict[str, Page] = {p.name: p for p in PAGES}


def table_markdown() -> str:
    """The table as docs/security.md shows it: one row a page, the roles allowed."""
    short = {
        MASH: "MASH",
        SOCIAL_WORKER: "SW",
        TEAM_MANAGER: "TM",
        PARTNER: "partner",
        OFFICER: "officer",
        ADMIN: "admin",
        ENGINEER: "engineer",
        SIGNED_OUT: "signed out",
    }
    order = list(short)

    def roles(r: Roles | None, method: str) -> str:
        if r is None and method == "GET":
            return "not taken (405)"
        if r is None:
            return "read only"
        if not r:
            return "nobody"
        return ", ".join(short[x] for x in order if x in r)

    lines = ["| URL name | GET | POST |", "|---|---|---|"]
    for p in PAGES:
        lines.append(f"| `{p.name}` | {roles(p.get, 'GET')} | {roles(p.post, 'POST')} |")
    return "\n".join(lines)
