"""The demo's casework history and its case review, made through the real services.

The MASH worklist (``contacts_demo_create``) shows concerns still to decide; this
adds the weeks before it: a few earlier concerns about children the borough
knows, decided by the MASH into referrals and followed through (assessments, a
strategy discussion, section 47 enquiry, conference and child protection plan),
so that the Children in Need census has children to return. Then one local
child safeguarding practice review about a flagged child, with findings,
recommendations and an action plan one of whose actions is overdue, so that a
partnership officer has something to look at.

Dates are counted back from today in working days, so the casework keeps to the
statutory timescales (Working Together to Safeguard Children 2023, chapter 2:
an assessment within 45 working days of the referral; an initial conference
within 15 working days of the strategy discussion; the first core group within
10 working days of the conference). Both do nothing a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from sightline.casework import selectors
from sightline.casework.models import Contact, Plan, TriageDecision
from sightline.casework.plans.services import plan_start
from sightline.casework.services import (
    ContactDetails,
    case_step_complete,
    contact_create,
    triage_decide,
)
from sightline.casework.timescales import LONDON, StepKind, is_working_day
from sightline.feeds.models import Agency, SubjectRecord
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import AgencyPerson
from sightline.reviews.actions import (
    recommendation_add,
    review_action_add,
    review_action_update,
    review_actions_raise_overdue,
)
from sightline.reviews.models import CaseReview, ReviewAction
from sightline.reviews.services import (
    finding_add,
    review_child_add,
    review_create,
    review_set_status,
)
from sightline.reviews.suggestions import FLAG_THEMES

Log = Callable[[str], None]

# The review's child is called this in everything anonymised.
DEMO_REVIEW_CODE = "AG"
# The casework's children are young enough to be children all through a census year.
_OLDEST_AGE_DAYS = 16 * 365


@dataclass(frozen=True)
class _Path:
    """One child's way through children's social care, in working days before today."""

    outcome: str
    received: int  # the concern came in, and the MASH decided it that day
    assessed: int | None = None  # the assessment was completed
    plan: str = ""  # the plan started when the assessment (or conference) said so
    concern: str = ""


_PATHS: tuple[_Path, ...] = (
    _Path(
        TriageDecision.Outcome.STRATEGY_DISCUSSION,
        received=30,
        assessed=19,
        plan=Plan.Kind.CHILD_PROTECTION,
        concern="Nursery: came in with a burn on her hand, no coat, and very hungry; mother not"
        " answering the phone.",
    ),
    _Path(
        TriageDecision.Outcome.ASSESSMENT,
        received=25,
        assessed=8,
        plan=Plan.Kind.CHILD_IN_NEED,
        concern="School: often late and hungry, and his uniform has not been washed for weeks.",
    ),
    _Path(
        TriageDecision.Outcome.ASSESSMENT,
        received=20,
        assessed=12,
        concern="Health visitor: the home was cold and the baby's cot was full of clutter.",
    ),
    _Path(
        TriageDecision.Outcome.ASSESSMENT,
        received=12,
        concern="GP: missed two immunisation appointments and the mother seemed low.",
    ),
)


def working_days_back(today: dt.date, n: int) -> dt.date:
    """The working day ``n`` working days before ``today`` (today itself when a working day)."""
    day = today
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    for _ in range(n):
        day -= dt.timedelta(days=1)
        while not is_working_day(day):
            day -= dt.timedelta(days=1)
    return day


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def demo_casework_make(*, today: dt.date, log: Log) -> int:
    """Earlier concerns decided into referrals and worked; how many children it made cases for.

    Run after the MASH worklist is made (that only fills an empty one), and only
    while the MASH has decided nothing, so a second setup adds nothing.
    """
    worker, mash = _user("social.worker"), _user("mash.practitioner")
    if worker is None or mash is None or TriageDecision.objects.exists():
        return 0
    on_worklist = set(Contact.objects.values_list("person_id", flat=True))
    born_after = today - dt.timedelta(days=_OLDEST_AGE_DAYS)
    known = [
        r
        for r in selectors.children_known(limit=len(on_worklist) + 2 * len(_PATHS), today=today)
        if r.date_of_birth is not None
        and born_after < r.date_of_birth < today
        and _person_id(r) not in on_worklist
    ]
    made = 0
    for path, record in zip(_PATHS, known, strict=False):
        received_on = working_days_back(today, path.received)
        contact = contact_create(
            details=ContactDetails(
                concern=path.concern,
                immediate_danger=Contact.Danger.NO,
                reporter_name="A. Professional",
                reporter_relationship="professional",
                child_given_name=record.given_name.title(),
                child_family_name=record.family_name.title(),
                child_date_of_birth=record.date_of_birth,
                child_address=record.address,
            ),
            source=Contact.Source.PROFESSIONAL,
            received_at=dt.datetime.combine(received_on, dt.time(10, 15), tzinfo=LONDON),
        )
        if contact.person is None:
            continue  # not matched after all: it stays on the MASH worklist
        _work(contact=contact, path=path, today=today, mash=mash, worker=worker)
        made += 1
    if made:
        log(f"Took {made} earlier concerns through the MASH into children's social care.")
    return made


def _person_id(record: SubjectRecord) -> int | None:
    placed = AgencyPerson.objects.filter(agency_id=record.agency_id, local_id=record.local_id)
    return placed.values_list("person_id", flat=True).first()


def _work(*, contact: Contact, path: _Path, today: dt.date, mash: Any, worker: Any) -> None:
    """Decide the contact the day it came in, and do what followed on the path's days."""
    decision = triage_decide(
        outcome=path.outcome,
        reason="Demo: the concern meets the threshold for children's social care",
        by=mash,
        contact=contact,
        at=contact.received_at + dt.timedelta(hours=3),
    )
    steps = {s.kind: s for s in decision.steps.all()}
    assert contact.person is not None  # the caller checked
    plan_on: dt.date | None = None
    if path.outcome == TriageDecision.Outcome.STRATEGY_DISCUSSION:
        # Strategy discussion the next working day; the conference ten working days
        # after it; the plan from the conference; the core group five days later.
        (conference,) = case_step_complete(
            step=steps[StepKind.STRATEGY_DISCUSSION],
            completed_on=working_days_back(today, path.received - 1),
            by=worker,
        )
        plan_on = working_days_back(today, path.received - 11)
        later = case_step_complete(step=conference, completed_on=plan_on, by=worker)
        core_group = next(s for s in later if s.kind == StepKind.FIRST_CORE_GROUP)
        case_step_complete(
            step=core_group, completed_on=working_days_back(today, path.received - 16), by=worker
        )
    if path.assessed is not None:
        assessed_on = working_days_back(today, path.assessed)
        case_step_complete(step=steps[StepKind.ASSESSMENT], completed_on=assessed_on, by=worker)
        plan_on = plan_on or assessed_on
    if path.plan and plan_on is not None:
        protection = path.plan == Plan.Kind.CHILD_PROTECTION
        plan_start(
            person=contact.person,
            kind=path.plan,
            category="neglect" if protection else "",
            started_on=plan_on,
            lead=worker,
            outcomes=["Has a warm, clean home and meals every day", "Goes to nursery or school"],
        )


def _review_flag(today: dt.date) -> tuple[Flag, dt.date] | None:
    """The child most recently flagged for a learning theme's pattern, and an incident after it."""
    flags = (
        Flag.objects.filter(scenario=LIVE, met=True, rule_id__in=FLAG_THEMES)
        .order_by("-last_triggered_on", "-level", "pk")
        .iterator()
    )
    for flag in flags:
        # A few weeks after the flag, long enough ago for a review to be well under way.
        incident_on = min(flag.last_triggered_on + dt.timedelta(days=21), today - dt.timedelta(60))
        if incident_on >= flag.first_triggered_on:
            return flag, incident_on
    return None


@transaction.atomic
def demo_case_review_make(*, today: dt.date, log: Log) -> CaseReview | None:
    """An open local child safeguarding practice review about one flagged child.

    With findings tagged with themes the flags do not suggest (so the review
    still has suggestions to show), an agency's and a partnership-wide
    recommendation, and actions of which one is overdue. Nothing when a review
    exists already or no child has such a flag.
    """
    officer = _user("partnership.officer")
    found = _review_flag(today)
    if officer is None or found is None or CaseReview.objects.exists():
        return None
    flag, incident_on = found
    started_on = min(incident_on + dt.timedelta(days=30), today - dt.timedelta(days=21))
    agencies = list(
        Agency.objects.filter(
            pk__in=AgencyPerson.objects.filter(person=flag.person).values("agency_id")
        ).order_by("code")
    )
    review = review_create(
        kind=CaseReview.Kind.LCSPR,
        title="Neglect of a young child known to several agencies",
        incident_on=incident_on,
        notified_on=incident_on + dt.timedelta(days=2),
        started_on=started_on,
        by=officer,
        lead_reviewer=officer,
        independent_reviewer="Independent reviewer commissioned by the partnership",
        terms_of_reference=(
            "What each agency knew of the child's daily life in the year before the incident;"
            " how concerns were shared; whether the family's history was used."
        ),
        agencies=agencies,
    )
    review_set_status(review=review, status=CaseReview.Status.IN_PROGRESS)
    review_child_add(review=review, person=flag.person, code=DEMO_REVIEW_CODE)
    finding_add(
        review=review,
        text="Each new concern was assessed as if it were the first; the history held by other"
        " agencies was not gathered before deciding.",
        themes=["start-again-syndrome"],
        agencies=agencies[:2],
        by=officer,
    )
    finding_add(
        review=review,
        text="Practitioners spoke to the parents at every visit but did not see the child alone.",
        themes=["voice-of-the-child"],
        agencies=agencies[:1],
        by=officer,
    )
    owner = next((a for a in agencies if a.code == "nhs-community-hv"), None) or (
        agencies[0] if agencies else None
    )
    if owner is not None:
        own = recommendation_add(
            review=review,
            text="Health visitors see the child alone at every contact where a concern is open.",
            agency=owner,
            by=officer,
        )
        done = review_action_add(
            recommendation=own,
            description="Add seeing the child alone to the home visit record",
            owner=f"{owner.name}: named nurse",
            due_on=started_on + dt.timedelta(days=14),
            by=officer,
        )
        review_action_update(
            action=done,
            status=ReviewAction.Status.DONE,
            evidence="The new home visit record has a required field for it.",
            completed_on=started_on + dt.timedelta(days=10),
            by=officer,
            today=today,
        )
    wide = recommendation_add(
        review=review,
        text="Agencies check the partnership's shared history before deciding on a new concern.",
        partnership_wide=True,
        by=officer,
    )
    review_action_add(
        recommendation=wide,
        description="Multi-agency briefing on gathering the history before a decision",
        owner="Partnership learning and development group",
        due_on=today - dt.timedelta(days=7),  # overdue: the tracker raises it
        by=officer,
    )
    review_action_add(
        recommendation=wide,
        description="Audit ten MASH decisions for use of the shared history",
        owner="Partnership quality assurance group",
        due_on=today + dt.timedelta(days=60),
        by=officer,
    )
    review_actions_raise_overdue(today=today)
    log(f"Opened case review {review.reference} about Child {DEMO_REVIEW_CODE}.")
    return review
