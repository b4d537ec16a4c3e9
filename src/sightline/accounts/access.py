"""Who may see which child: the choke points every page about a child goes through.

Each rule is one line, and each line has its own test (tests/accounts/test_access.py).
A role is what someone does; what it lets them see is decided here and nowhere
else. Record-level rules (which of a child's records a viewer may read) are
the :class:`~sightline.accounts.viewer.Viewer`'s: a partner who may see a
child sees their own agency's records and the records that are not restricted.

The rules, by role:

- MASH practitioners: every child, because they triage contacts about
  children nobody holds yet.
- Social workers and team managers: a child currently allocated to them, to
  their team, or (for a manager) to a team they manage. A child with no
  allocation is for the MASH only.
- Partner agency practitioners: a child their own agency holds records about.
- Partnership officers: the children of a case review still being done
  (scoping, in progress or completed, not yet published or closed), because
  they compile its chronology; no other child.
- Administrators and data engineers: no child's page at all.

Break-glass: a social worker, team manager or partner practitioner who may not
open a child can, in an emergency, be granted access to that one child for a
few hours (``SIGHTLINE_BREAK_GLASS_HOURS``) by giving a written reason
(:func:`sightline.accounts.break_glass.break_glass_request`). While the grant is
live the child is theirs to open like any other; every look is marked
break-glass in the access log and every grant is reported to managers. The
roles that never see a child (partnership officers, administrators, data
engineers) cannot break glass, and the MASH, who see every child, never need to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sightline.accounts.models import BreakGlassGrant, Role, StaffProfile
from sightline.casework.models import Allocation
from sightline.linkage.models import AgencyPerson, Person
from sightline.reviews.models import OPEN_STATUSES, ReviewAction, ReviewChild

_NOBODY = Q(pk__in=[])
_EVERYONE = Q()
# Children's social care roles: they act on flags and see who has looked.
_CASEWORK_ROLES = frozenset({Role.MASH, Role.SOCIAL_WORKER, Role.TEAM_MANAGER})
_ACCESS_LOG_ROLES = frozenset({Role.MASH, Role.TEAM_MANAGER})
# Staff whose work is with children but whose ordinary rules can leave out a
# child they must see in an emergency.
_BREAK_GLASS_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.PARTNER})


def staff_of(user: Any) -> StaffProfile | None:
    """The signed-in user's staff profile, or None for someone with none (or signed out)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        staff: StaffProfile = user.staff
    except StaffProfile.DoesNotExist:
        return None
    return staff


def _allocated_to_them(user: Any, staff: StaffProfile) -> Q:
    """A current allocation to the user, their team, or a team they manage."""
    today = timezone.localdate()
    theirs = Q(worker=user) | Q(team__manager=user)
    if staff.team_id is not None:
        theirs |= Q(team_id=staff.team_id)
    current = Allocation.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=today),
        theirs,
        person=OuterRef("pk"),
        started_on__lte=today,
    )
    return Q(Exists(current))


def _known_to_agency(agency_id: int) -> Q:
    return Q(Exists(AgencyPerson.objects.filter(person=OuterRef("pk"), agency_id=agency_id)))


def _under_open_review() -> Q:
    under = ReviewChild.objects.filter(person=OuterRef("pk"), review__status__in=OPEN_STATUSES)
    return Q(Exists(under))


def _under_live_grant(user: Any) -> Q:
    """A break-glass grant to this user for the person that has not yet run out."""
    live = BreakGlassGrant.objects.filter(
        user=user, person=OuterRef("pk"), expires_at__gt=timezone.now()
    )
    return Q(Exists(live))


def _ordinarily_visible(user: Any, staff: StaffProfile) -> Q:
    """The persons the user's role and relationship to them let them open, without a grant."""
    if staff.role == Role.MASH:
        return _EVERYONE
    if staff.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        return _allocated_to_them(user, staff)
    if staff.role == Role.PARTNER and staff.agency_id is not None:
        return _known_to_agency(staff.agency_id)
    if staff.role == Role.PARTNERSHIP_OFFICER:
        return _under_open_review()
    # Administrators, data engineers, a partner with no agency.
    return _NOBODY


def _visible_persons(user: Any) -> Q:
    """The persons this user may open, as a condition on :class:`Person`: one rule a line."""
    staff = staff_of(user)
    if staff is None:
        return _NOBODY
    # The MASH (who see everyone) and the roles that never see a child have no grants;
    # never OR a grant onto _EVERYONE either: Q() | X is X, which would narrow the MASH.
    if staff.role not in _BREAK_GLASS_ROLES:
        return _ordinarily_visible(user, staff)
    return _ordinarily_visible(user, staff) | _under_live_grant(user)


def persons_viewable(*, user: Any, persons: QuerySet[Person]) -> QuerySet[Person]:
    """Those of ``persons`` the user may open: for search results and lists."""
    return persons.filter(_visible_persons(user))


def person_may_view(*, user: Any, person: Person) -> bool:
    """Whether the user may open this person's page."""
    return persons_viewable(user=user, persons=Person.objects.filter(pk=person.pk)).exists()


def person_get_for_user(*, user: Any, public_id: str) -> Person | None:
    """The person with this id if the user may see them; None whether absent or refused.

    One answer for both, so that a refused id cannot be told from a wrong one.
    """
    return persons_viewable(user=user, persons=Person.objects.filter(public_id=public_id)).first()


def person_viewed_under_break_glass(*, user: Any, person: Person) -> bool:
    """Whether the user may open this person only because of a live break-glass grant."""
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role not in _BREAK_GLASS_ROLES:
        return False
    one = Person.objects.filter(pk=person.pk)
    if not one.filter(_under_live_grant(user)).exists():
        return False
    return not one.filter(_ordinarily_visible(user, staff)).exists()


def break_glass_may_request(*, user: Any) -> bool:
    """Whether the user may ask for emergency access to a child they may not open.

    Asked before any child is looked up, so that someone refused learns nothing
    about the id they tried.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in _BREAK_GLASS_ROLES


def break_glass_grants_may_view(*, user: Any) -> bool:
    """Whether the user may see the list of recent break-glass grants: managers and the MASH."""
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in _ACCESS_LOG_ROLES


def subject_access_may_export(*, user: Any) -> bool:
    """Whether the user may download everything held about a person (a subject access request).

    Administrators answer subject access requests for the partnership; the
    export holds every record about the person, so nobody else downloads it.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role == Role.ADMINISTRATOR


def flag_may_change(*, user: Any, person: Person) -> bool:
    """Whether the user may acknowledge or dismiss this child's flags.

    Children's social care decides what a flag means for a child; partners see
    the flags and bring what they know to that decision.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role not in _CASEWORK_ROLES:
        return False
    return person_may_view(user=user, person=person)


def access_log_may_view(*, user: Any, person: Person) -> bool:
    """Whether the user may see who has looked at this child's record: managers and the MASH."""
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role not in _ACCESS_LOG_ROLES:
        return False
    # Oversight of a child is for their own managers, not for an emergency visitor.
    if person_viewed_under_break_glass(user=user, person=person):
        return False
    return person_may_view(user=user, person=person)


def allocation_may_change(*, user: Any, person: Person) -> bool:
    """Whether the user may allocate this child to a worker.

    The MASH sends a child into a team; a team manager allocates within theirs.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role not in (Role.MASH, Role.TEAM_MANAGER):
        return False
    # Break-glass is to see a child in an emergency, not to take them into one's team.
    if person_viewed_under_break_glass(user=user, person=person):
        return False
    return person_may_view(user=user, person=person)


def casework_may_lead(*, user: Any, person: Person) -> bool:
    """Whether the user may start, change or end this child's plans and refer to services.

    The same rule as deciding what a flag means: children's social care leads
    the casework; partners see the plans and do their part of them.
    """
    return flag_may_change(user=user, person=person)


def feeds_may_view(*, user: Any) -> bool:
    """Whether the user may see the feeds pages: files, counts, and quarantined lines.

    Quarantined lines hold children's details exactly as sent, so these pages are
    for the people who run the feeds, not for everyone signed in.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in (Role.DATA_ENGINEER, Role.ADMINISTRATOR)


def api_tokens_may_manage(*, user: Any) -> bool:
    """Whether the user may list, create, rotate and revoke agency API tokens.

    A token lets a system send records as an agency, so only administrators
    hand them out; nobody sees a child's record through these pages.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role == Role.ADMINISTRATOR


def retention_may_view(*, user: Any) -> bool:
    """Whether the user may see the retention page: the runs and tombstones by class.

    The page holds counts and rules, never a record; administrators answer for
    the schedule and data engineers run it.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role == Role.ADMINISTRATOR:
        return True
    return staff.role == Role.DATA_ENGINEER


# Partnership officers run the reviews; team managers see them, since their
# teams' work is what a review looks at and their actions are in its plan.
_REVIEW_READERS = frozenset({Role.PARTNERSHIP_OFFICER, Role.TEAM_MANAGER})


def reviews_may_view(*, user: Any) -> bool:
    """Whether the user may see the case reviews: their list, terms, findings and actions."""
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in _REVIEW_READERS


def reviews_may_manage(*, user: Any) -> bool:
    """Whether the user may open a review, name its children and move it on: officers."""
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role == Role.PARTNERSHIP_OFFICER


def review_action_may_update(*, user: Any, action: ReviewAction) -> bool:
    """Whether the user may record progress on a review's action: its status and evidence.

    Partnership officers, for every action. A team manager too, for the actions
    of recommendations owned by their own agency (their staff profile's): the
    agency carries out its part of the plan (Working Together to Safeguard
    Children 2023: chapter 2 on the agencies in the arrangements, chapter 5 on
    acting on a review's learning), and the manager whose service does the work
    holds the evidence that it was done, so making them ask an officer to type it
    in would only add a step where it can be lost. The officers see every update
    and its evidence in the action's history, and may reopen an action whose
    evidence does not convince. Partnership-wide recommendations are the
    officers' own; a manager with no agency updates nothing.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    if staff.role == Role.PARTNERSHIP_OFFICER:
        return True
    agency_id = action.recommendation.agency_id
    return (
        staff.role == Role.TEAM_MANAGER
        and staff.agency_id is not None
        and agency_id is not None
        and staff.agency_id == agency_id
    )


_RETURNS_MAKERS = frozenset({Role.PARTNERSHIP_OFFICER, Role.ADMINISTRATOR})


def returns_may_view(*, user: Any) -> bool:
    """Whether the user may make the statutory returns (the CIN census) and see their findings.

    Partnership officers and administrators: the return names children only by
    their id, and its findings say which rule each breaks, not what happened.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in _RETURNS_MAKERS


def review_chronology_may_view(*, user: Any, review: Any) -> bool:
    """Whether the user may read a review's chronology: an officer who may open all its children.

    The chronology is every agency's records about the children, so it follows
    the children's own rule (open reviews only) as well as the officers' one.
    """
    if not reviews_may_manage(user=user):
        return False
    children = Person.objects.filter(review_places__review=review)
    wanted = children.count()
    return wanted > 0 and persons_viewable(user=user, persons=children).count() == wanted


_DASHBOARD_READERS = frozenset({Role.PARTNERSHIP_OFFICER, Role.TEAM_MANAGER})


def dashboard_may_view(*, user: Any) -> bool:
    """Whether the user may see the partnership's dashboard: its charts, tables and CSV files.

    Partnership officers, whose view of the partnership it is, and team managers,
    whose teams' timeliness and step-downs it counts. Nobody else: the figures
    are aggregates, but narrowed to an area, an age and a team they are about
    few children, so they go only to those who need them.
    """
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in _DASHBOARD_READERS
