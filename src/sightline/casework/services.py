"""Writes for the MASH: a contact received, a triage decision, a statutory step done.

Each service validates what it is given, even when a form already has: a
contact without a concern or a decision without a reason must be impossible
whichever way it arrives (the database's check constraints say so too).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from sightline.casework import selectors, timescales
from sightline.casework.models import CaseStep, Contact, TriageDecision
from sightline.casework.timescales import (
    FOLLOWS,
    LONDON,
    TIMESCALES,
    StepKind,
    Timescale,
    is_working_day,
    local_day,
    working_day_deadline,
    working_day_on_or_after,
)
from sightline.indicators.models import Flag
from sightline.indicators.services import flag_acknowledge, flag_dismiss

# The longest a reporter's account may be: generous for a real concern, and a
# bound on what one anonymous request can store.
CONCERN_MAX_LENGTH = 5000

Outcome = TriageDecision.Outcome


class CaseworkError(ValueError):
    """A request the rules refuse; ``field`` names the input at fault, for the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ContactDetails:
    """What a reporter told us, as they told it (blank where they did not say)."""

    concern: str
    immediate_danger: str
    anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    reporter_relationship: str = ""
    reporter_agency: str = ""
    reporter_job_title: str = ""
    child_given_name: str = ""
    child_family_name: str = ""
    child_date_of_birth: dt.date | None = None
    child_age: str = ""
    child_address: str = ""
    child_school: str = ""
    child_nhs_number: str = ""
    family_aware: str = ""


def _stripped(details: ContactDetails) -> ContactDetails:
    stripped: dict[str, Any] = {
        name: value.strip() for name, value in vars(details).items() if isinstance(value, str)
    }
    return replace(details, **stripped)


@transaction.atomic
def contact_create(
    *,
    details: ContactDetails,
    source: str,
    received_at: dt.datetime | None = None,
    submitted_by: Any = None,
) -> Contact:
    """Receive a concern: it gets its reference and joins the MASH queue, matched or not."""
    d = _stripped(details)
    if not d.concern:
        raise CaseworkError("concern", "say what happened or what you are worried about")
    if len(d.concern) > CONCERN_MAX_LENGTH:
        raise CaseworkError("concern", f"must be {CONCERN_MAX_LENGTH} characters or fewer")
    if source not in Contact.Source.values:
        raise CaseworkError("source", f"{source!r} is not a kind of reporter Sightline knows")
    if d.immediate_danger not in Contact.Danger.values:
        raise CaseworkError("immediate_danger", "say whether the child is in immediate danger")
    if d.anonymous and (d.reporter_name or d.reporter_phone or d.reporter_email):
        raise CaseworkError("anonymous", "an anonymous contact cannot hold the reporter's details")
    match = selectors.person_match(
        given_name=d.child_given_name,
        family_name=d.child_family_name,
        date_of_birth=d.child_date_of_birth,
        nhs_number=d.child_nhs_number,
    )
    received_at = received_at or timescales.now()
    contact = Contact.objects.create(
        received_at=received_at,
        source=source,
        submitted_by=submitted_by,
        person=match.person if match else None,
        matched_on=match.matched_on if match else "",
        **vars(d),
    )
    # The row's own number makes the reference unique without a counter to contend for.
    contact.reference = f"C-{local_day(received_at).year}-{contact.pk:06d}"
    contact.save(update_fields=["reference"])
    return contact


def _start(
    *,
    decision: TriageDecision,
    timescale: Timescale,
    started_on: dt.date,
    follows: CaseStep | None = None,
) -> CaseStep:
    return CaseStep.objects.create(
        decision=decision,
        follows=follows,
        person=decision.person,
        kind=timescale.kind,
        started_on=started_on,
        due_on=timescale.due_on(started_on),
        timescale=f"{timescale.wording} ({timescale.source})",
    )


# What each decision sets going at once. A section 47 enquiry is carried out
# within a child and family assessment, so a strategy discussion starts the
# assessment's clock as well as its own.
_STARTS: dict[str, tuple[StepKind, ...]] = {
    Outcome.ASSESSMENT: (StepKind.ASSESSMENT,),
    Outcome.STRATEGY_DISCUSSION: (StepKind.STRATEGY_DISCUSSION, StepKind.ASSESSMENT),
    Outcome.CP_MEDICAL: (StepKind.CP_MEDICAL,),
}


@transaction.atomic
def triage_decide(
    *,
    outcome: str,
    reason: str,
    by: Any,
    contact: Contact | None = None,
    flag: Flag | None = None,
    at: dt.datetime | None = None,
) -> TriageDecision:
    """Record what the MASH decided about a contact or a flag, and why; start what follows.

    The assessment's 45 working days run from the day the referral was received;
    a step with no statutory timescale (a strategy discussion, a medical) is
    tracked as open without a date. A flag decided on is acknowledged, or, with
    no further action, dismissed, with the same reason, so the child's page
    agrees with the MASH.
    """
    reason = reason.strip()
    if not reason:
        raise CaseworkError("reason", "say why you made this decision")
    if outcome not in Outcome.values:
        raise CaseworkError("outcome", "choose one of the decisions offered")
    if (contact is None) == (flag is None):
        raise CaseworkError("item", "decide on one contact or one flag")
    at = at or timescales.now()
    if contact is not None:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if TriageDecision.objects.filter(contact=contact).exists():
            raise CaseworkError("item", f"contact {contact.reference} has already been decided")
        received_at, person = contact.received_at, contact.person
    else:
        assert flag is not None
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status != Flag.Status.NEW:
            raise CaseworkError("item", "this flag has already been decided")
        received_at, person = flag.waiting_since, flag.person
        by_name = by.get_username()
        if outcome == Outcome.NO_FURTHER_ACTION:
            flag_dismiss(flag=flag, by=by_name, reason=f"MASH: no further action. {reason}")
        else:
            flag_acknowledge(
                flag=flag, by=by_name, reason=f"MASH: {Outcome(outcome).label}. {reason}"
            )
    decision = TriageDecision.objects.create(
        contact=contact,
        flag=flag,
        person=person,
        outcome=outcome,
        reason=reason,
        decided_by=by,
        decided_at=at,
        received_at=received_at,
        due_on=working_day_deadline(received_at),
    )
    referral_day = working_day_on_or_after(local_day(received_at))
    decided_on = local_day(at)
    for kind in _STARTS.get(outcome, ()):
        started_on = referral_day if kind == StepKind.ASSESSMENT else decided_on
        _start(decision=decision, timescale=TIMESCALES[kind], started_on=started_on)
    return decision


@transaction.atomic
def case_step_complete(*, step: CaseStep, completed_on: dt.date, by: Any) -> list[CaseStep]:
    """Record a step as done on a day; return the steps its completion starts."""
    step = CaseStep.objects.select_for_update().get(pk=step.pk)
    if step.completed_on is not None:
        raise CaseworkError("step", f"this step was recorded as done on {step.completed_on}")
    if completed_on < step.started_on:
        raise CaseworkError("completed_on", "the day it was done cannot be before it started")
    if completed_on > local_day(timescales.now()):
        raise CaseworkError("completed_on", "the day it was done cannot be in the future")
    step.completed_on = completed_on
    step.completed_by = by
    step.save(update_fields=["completed_on", "completed_by"])
    return [
        _start(decision=step.decision, timescale=t, started_on=completed_on, follows=step)
        for t in FOLLOWS.get(StepKind(step.kind), ())
    ]


# --- Demo contacts --------------------------------------------------------------

_DEMO_CONCERNS = (
    "The children are often outside late in the evening without a coat, and the youngest"
    " asked my son for food twice this week.",
    "Shouting and banging from the flat most nights; last night a child was crying for a long"
    " time and nobody seemed to go to them.",
    "He has come to school hungry and in the same clothes all week, and says his mum is asleep"
    " when he leaves.",
    "Her grandmother is worried that her mother's new partner is violent and that she is"
    " frightened to go home.",
    "A toddler was left alone in a car outside the shop for about twenty minutes.",
)
_DEMO_RELATIONSHIP = {
    Contact.Source.PUBLIC: "neighbour",
    Contact.Source.FAMILY: "aunt",
    Contact.Source.PROFESSIONAL: "teaching assistant",
}
_DEMO_UNKNOWN = (("Kai", "Marsh"), ("Ruby", "Delaney"), ("Finley", "Okoro"), ("Esme", "Varga"))


@transaction.atomic
def contacts_demo_create(*, count: int, today: dt.date) -> list[Contact]:
    """A few plausible contacts for the demo: some match known children, some are overdue.

    Received over the last few working days (the oldest past their one-day
    deadline), about half about children the loaded borough knows, the rest
    about children it does not. Does nothing when contacts already exist, so a
    demo set up again does not pile up copies.
    """
    if count <= 0 or Contact.objects.exists():
        return []
    rng = random.Random(5)  # the same demo every time
    known = selectors.children_known(limit=(count + 1) // 2, today=today)
    sources = [Contact.Source.PUBLIC, Contact.Source.FAMILY, Contact.Source.PROFESSIONAL]
    made: list[Contact] = []
    day = working_day_on_or_after(today)
    for i in range(count):
        # Oldest first: the first few are several working days old, so overdue.
        back = count - 1 - i
        received_on = day
        for _ in range(back):
            received_on -= dt.timedelta(days=1)
            while not is_working_day(received_on):
                received_on -= dt.timedelta(days=1)
        received_at = dt.datetime.combine(
            received_on, dt.time(9 + rng.randrange(8), rng.randrange(60)), tzinfo=LONDON
        )
        if i % 2 == 0 and known:
            record = known.pop()
            # Typed by a reporter, not copied from a system: "Hodgson", not "HODGSON".
            child: dict[str, Any] = {
                "child_given_name": record.given_name.title(),
                "child_family_name": record.family_name.title(),
                "child_date_of_birth": record.date_of_birth,
                "child_address": record.address,
            }
        else:
            given, family = _DEMO_UNKNOWN[i % len(_DEMO_UNKNOWN)]
            child = {"child_given_name": given, "child_family_name": family, "child_age": "about 6"}
        anonymous = rng.random() < 0.4
        source = sources[i % len(sources)]
        details = ContactDetails(
            concern=_DEMO_CONCERNS[i % len(_DEMO_CONCERNS)],
            immediate_danger=Contact.Danger.NO,
            anonymous=anonymous,
            reporter_name="" if anonymous else "A. Neighbour",
            reporter_relationship=_DEMO_RELATIONSHIP[source],
            **child,
        )
        made.append(contact_create(details=details, source=source, received_at=received_at))
    return made
