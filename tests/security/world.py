"""A small partnership to attack: one user in every role, two children, and one of everything.

Built on the web tests' Quennell family (``tests.web.people_fixtures.family``):

- Lacey ("child A") is allocated to the social worker's team, whose manager is the
  team manager; her health visiting records make her known to the partner (a health
  visitor). She has a flag, a plan with an outcome and an action, a referral to a
  service, an open assessment and a contact about her with a triage decision that
  started a statutory step.
- Tom ("child B") is held by another team and known only to the police, so the
  social worker, the manager and the health visitor may not see him. He has one of
  everything Lacey has, to put his ids in her URLs and hers in his.
- Maisie is known to health visiting but allocated to nobody. She is the child of an
  open case review (code AM), which lets the partnership officer open her record and
  read the review's chronology; no other row of the table uses her ids.
- The health visitors' agency has an API token, made by the administrator, for the
  token pages and the partner API.
- The case review (about Maisie, above) has a recommendation the health visitors'
  agency owns, with one action.

Everything is made through the services the pages use, except what only a batch
job makes (a flag on Tom, a candidate pair), which is made as those jobs make it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.test import Client
from django.utils import timezone

from sightline.accounts.models import Role, Team
from sightline.api.services import token_create
from sightline.casework.assessments.services import assessment_start
from sightline.casework.models import (
    CaseStep,
    Contact,
    NeglectAssessment,
    Plan,
    PlanAction,
    ServiceReferral,
)
from sightline.casework.plans.services import plan_action_add, plan_start, service_referral_create
from sightline.casework.services import ContactDetails, contact_create, triage_decide
from sightline.feeds.models import Agency, FeedFile, QuarantinedLine
from sightline.feeds.services import feed_ingest_path
from sightline.indicators.models import Flag
from sightline.linkage.models import AgencyPerson, CandidatePair, LinkRun, Person
from sightline.reviews.actions import recommendation_add, review_action_add
from sightline.reviews.services import review_child_add, review_create
from tests.chronology.conftest import HV
from tests.web.casework_helpers import flag as make_flag
from tests.web.people_fixtures import Family, allocate

TEAM_A = "Social care team 1"
TEAM_B = "Social care team 2"
SIGNED_OUT = "signed_out"
# Every role a person can have, and someone with no account at all.
ROLES: tuple[str, ...] = (*(r.value for r in Role), SIGNED_OUT)


@dataclass
class ChildIds:
    """The ids that stand in the URLs of one child's pages."""

    public_id: str
    flag_id: int
    plan_id: int
    action_id: int
    assessment_id: int
    referral_id: int
    contact_id: int
    step_id: int

    def as_kwargs(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class World:
    family: Family
    users: dict[str, Any]
    a: ChildIds
    b: ChildIds
    # Ids of things that belong to no child: the feeds pages and the linkage review.
    feed_file_id: int
    quarantine_id: int
    pair_id: int
    # A second worker in the social worker's team, to allocate child A to.
    colleague: Any
    # An API token of the health visitors' agency (which holds records about child A),
    # for the token pages' URLs, and its secret, for the partner API.
    token_id: int
    token_secret: str
    token_agency: str
    # The case review of Maisie: its reference and the id of its one action, for the
    # review pages' URLs.
    reference: str
    review_action_id: int
    # A person with no records whom nothing else uses: a child to add to the review.
    spare_person_id: str
    # An id no row of any table has, for "absent" and "refused" to be compared.
    missing: ChildIds = field(init=False)

    def __post_init__(self) -> None:
        self.missing = ChildIds(
            public_id="P-0000000000",
            flag_id=999_999,
            plan_id=999_999,
            action_id=999_999,
            assessment_id=999_999,
            referral_id=999_999,
            contact_id=999_999,
            step_id=999_999,
        )

    def kwargs(self, child: ChildIds | None = None) -> dict[str, Any]:
        """Every URL parameter, filled with ``child``'s ids (child A's by default)."""
        return {
            **(child or self.a).as_kwargs(),
            "feed_file_id": self.feed_file_id,
            "quarantine_id": self.quarantine_id,
            "pair_id": self.pair_id,
            "token_id": self.token_id,
            "reference": self.reference,
            "review_action_id": self.review_action_id,
            "fmt": "csv",
            "figure": "flags",  # the dashboard's figures (reviews.dashboard.FIGURES)
        }

    def client(self, role: str, *, csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=csrf)
        if role != SIGNED_OUT:
            client.force_login(self.users[role])
        return client


def _contact(person: Person, nhs_number: str, concern: str) -> Contact:
    """A contact matched to the child by their NHS number, as the referral form matches one."""
    contact = contact_create(
        details=ContactDetails(concern=concern, immediate_danger="no", child_nhs_number=nhs_number),
        source=Contact.Source.PROFESSIONAL,
    )
    assert contact.person == person
    return contact


def _child_things(person: Person, lead: Any, mash: Any, *, name: str, nhs_number: str) -> ChildIds:
    plan = plan_start(
        person=person,
        kind=Plan.Kind.CHILD_IN_NEED,
        started_on=dt.date(2023, 5, 1),
        lead=lead,
        outcomes=[f"{name} is brought to health reviews"],
    )
    action = plan_action_add(
        outcome=plan.outcomes.get(),
        description="Book the missed review",
        owner="Health visitor",
        due_on=dt.date(2023, 6, 1),
    )
    referral = service_referral_create(
        person=person,
        service=ServiceReferral.Service.EARLY_HELP,
        referred_on=dt.date(2023, 5, 2),
        reason="Support with routines",
        by=lead,
    )
    assessment = assessment_start(person=person, by=lead)
    contact = _contact(person, nhs_number, f"{name} seen alone at night.")
    decision = triage_decide(
        outcome="assessment", reason="Needs an assessment", by=mash, contact=contact
    )
    step = CaseStep.objects.filter(decision=decision).get()
    # A second contact, still waiting for the MASH's decision, for the triage page.
    waiting = _contact(person, nhs_number, f"{name} missed school again.")
    flag = Flag.objects.filter(person=person).order_by("pk").first()
    assert flag is not None
    return ChildIds(
        public_id=person.public_id,
        flag_id=flag.pk,
        plan_id=plan.pk,
        action_id=action.pk,
        assessment_id=assessment.pk,
        referral_id=referral.pk,
        contact_id=waiting.pk,
        step_id=step.pk,
    )


def _candidate_pair(child: Person, mother: Person) -> int:
    """A pair in the review band of the latest full run: the child's and her mother's records.

    Made here, the same on every database, because which pairs a run on a few records
    leaves for review is the model's business. "Not the same person" is the right
    decision on it, and changes no one.
    """
    run = LinkRun.objects.filter(kind="full").order_by("-pk").first()
    assert run is not None
    a = AgencyPerson.objects.get(person=child, agency__code=HV)
    b = AgencyPerson.objects.filter(person=mother).order_by("agency__code", "local_id")[0]
    pair, _ = CandidatePair.objects.update_or_create(
        run=run,
        agency_person_a=a,
        agency_person_b=b,
        defaults={"band": "review", "probability": 0.8},
    )
    return pair.pk


def build_world(family: Family, make_staff: Any, write_feed: Any) -> World:
    users: dict[str, Any] = {
        Role.MASH: make_staff(Role.MASH, username="mash"),
        Role.SOCIAL_WORKER: make_staff(Role.SOCIAL_WORKER, team=TEAM_A, username="worker"),
        Role.TEAM_MANAGER: make_staff(Role.TEAM_MANAGER, team=TEAM_A, username="manager"),
        Role.PARTNER: make_staff(Role.PARTNER, agency=HV, username="health.visitor"),
        Role.PARTNERSHIP_OFFICER: make_staff(Role.PARTNERSHIP_OFFICER, username="officer"),
        Role.ADMINISTRATOR: make_staff(Role.ADMINISTRATOR, username="admin"),
        Role.DATA_ENGINEER: make_staff(Role.DATA_ENGINEER, username="engineer"),
    }
    Team.objects.filter(name=TEAM_A).update(manager=users[Role.TEAM_MANAGER])
    other_worker = make_staff(Role.SOCIAL_WORKER, team=TEAM_B, username="other.worker")
    allocate(family.lacey, users[Role.SOCIAL_WORKER], team=TEAM_A)
    allocate(family.tom, other_worker, team=TEAM_B)
    make_flag(family.tom, created_at=timezone.now() - dt.timedelta(hours=1))
    mash = users[Role.MASH]
    worker = users[Role.SOCIAL_WORKER]
    a = _child_things(family.lacey, worker, mash, name="Lacey", nhs_number="4000000012")
    b = _child_things(family.tom, other_worker, mash, name="Tom", nhs_number="4000000055")
    bad = feed_ingest_path(path=write_feed(["not json"]), sent_by="test")
    quarantined = QuarantinedLine.objects.get(feed_file_id=bad.feed_file_id)
    assert FeedFile.objects.aggregate(m=Max("pk"))["m"] == bad.feed_file_id
    assert NeglectAssessment.objects.count() == 2 and PlanAction.objects.count() == 2
    token = token_create(
        agency=Agency.objects.get(code=HV),
        name="Health visiting nightly export",
        by=users[Role.ADMINISTRATOR],
    )
    review = review_create(
        kind="lcspr",
        title="Child AG",
        incident_on=dt.date(2026, 1, 5),
        started_on=dt.date(2026, 2, 1),
        lead_reviewer=users[Role.PARTNERSHIP_OFFICER],
    )
    recommendation = recommendation_add(
        review=review,
        text="Record who lives in the household at every visit",
        agency=Agency.objects.get(code=HV),
    )
    review_action = review_action_add(
        recommendation=recommendation,
        description="Add household members to the visit form",
        owner="Health visiting: named nurse",
        due_on=dt.date(2026, 3, 1),
    )
    review_child_add(review=review, person=family.maisie, code="AM")
    return World(
        family=family,
        users={str(k): v for k, v in users.items()},
        a=a,
        b=b,
        feed_file_id=bad.feed_file_id,
        quarantine_id=quarantined.pk,
        pair_id=_candidate_pair(family.lacey, family.gemma),
        colleague=make_staff(Role.SOCIAL_WORKER, team=TEAM_A, username="colleague"),
        token_id=token.token.pk,
        token_secret=token.secret,
        token_agency=HV,
        reference=review.reference,
        review_action_id=review_action.pk,
        spare_person_id=Person.objects.create().public_id,
    )
