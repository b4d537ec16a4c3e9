"""A case review with an action plan: three actions, one of them overdue.

Used by the reviews' tests and the tracker's page tests. The day is fixed
relative to today, so "yesterday" and "tomorrow" stay what they say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from sightline.feeds.models import Agency
from sightline.reviews.actions import recommendation_add, review_action_add, review_action_update
from sightline.reviews.models import CaseReview, Recommendation, ReviewAction
from sightline.reviews.services import review_create

POLICE = "norfolk-police"
SCHOOLS = "norfolk-schools"


@dataclass
class Plan:
    review: CaseReview
    officer: Any
    lead: Any
    police: Agency
    schools: Agency
    police_rec: Recommendation
    partnership_rec: Recommendation
    overdue: ReviewAction  # due yesterday, not started
    done: ReviewAction  # due yesterday, done: not overdue
    later: ReviewAction  # due tomorrow, in progress


@pytest.fixture
def plan(make_staff: Any) -> Plan:
    today = timezone.localdate()
    police, _ = Agency.objects.get_or_create(
        code=POLICE, defaults={"name": "Norfolk Constabulary", "kind": "police"}
    )
    schools, _ = Agency.objects.get_or_create(
        code=SCHOOLS, defaults={"name": "Norfolk schools", "kind": "education"}
    )
    officer = make_staff("partnership_officer", username="officer")
    lead = make_staff("partnership_officer", username="lead.reviewer")
    review = review_create(
        kind="lcspr",
        title="Child AG",
        incident_on=today - dt.timedelta(days=400),
        started_on=today - dt.timedelta(days=300),
        lead_reviewer=lead,
    )
    police_rec = recommendation_add(
        review=review, text="Record who lives in the household at every call-out.", agency=police
    )
    partnership_rec = recommendation_add(
        review=review, text="Write a neglect strategy with every agency.", partnership_wide=True
    )
    overdue = review_action_add(
        recommendation=police_rec,
        description="Add household members to the domestic abuse form",
        owner="Police: DI Hale",
        due_on=today - dt.timedelta(days=1),
    )
    done = review_action_add(
        recommendation=police_rec,
        description="Brief every response officer",
        owner="Police: Sgt Moss",
        due_on=today - dt.timedelta(days=1),
    )
    review_action_update(
        action=done,
        status="done",
        evidence="Briefing records for all 14 shifts",
        completed_on=today - dt.timedelta(days=2),
        by=officer,
    )
    later = review_action_add(
        recommendation=partnership_rec,
        description="Agree the neglect strategy at the partnership board",
        owner="Partnership: business manager",
        due_on=today + dt.timedelta(days=1),
    )
    review_action_update(action=later, status="in_progress", note="Draft circulated", by=officer)
    return Plan(
        review=review,
        officer=officer,
        lead=lead,
        police=police,
        schools=schools,
        police_rec=police_rec,
        partnership_rec=partnership_rec,
        overdue=overdue,
        done=ReviewAction.objects.get(pk=done.pk),
        later=ReviewAction.objects.get(pk=later.pk),
    )
