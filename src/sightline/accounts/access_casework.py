"""Who may use the MASH's pages and make referrals: one condition per line, each tested.

The MASH worklist shows every new contact and flag in the partnership, whoever
the child is, so it is open only to the people whose job is to screen them: MASH
practitioners and team managers (who oversee the decisions and take them when
the hub is stretched). A social worker sees the children allocated to them on
the child's page, and a partner agency practitioner their own agency's records;
neither needs the whole front door. Denied, a page answers 403 and shows nothing.

The functions that fetch one item for triage check the role first and only then
look the item up, so someone without the role learns nothing, not even whether
the item exists.
"""

from __future__ import annotations

from typing import Any

from sightline.accounts.models import Role
from sightline.casework import selectors
from sightline.casework.models import CaseStep, Contact
from sightline.indicators.models import Flag


def _role(user: Any) -> str | None:
    staff = getattr(user, "staff", None)
    return staff.role if staff is not None else None


def may_work_in_mash(user: Any) -> bool:
    """The worklist, triage decisions and the steps that follow them."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    role = _role(user)
    if role == Role.MASH:
        return True
    return role == Role.TEAM_MANAGER


# Staff who work with children and may refer one: the council's own social care
# staff and the partner agencies (health, schools, police). Not data engineers,
# administrators or the partnership's officers, whose work is not with families.
REFERRING_ROLES = frozenset({Role.MASH, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.PARTNER})


def may_make_referral(user: Any) -> bool:
    """The signed-in professionals' referral form (anyone may use the public form)."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return _role(user) in REFERRING_ROLES


def contact_get_for_user(*, user: Any, contact_id: int) -> Contact | None:
    """A contact for triage, or None when the user may not see it or it does not exist."""
    if not may_work_in_mash(user):
        return None
    return selectors.contact_get(contact_id=contact_id)


def flag_get_for_triage(*, user: Any, flag_id: int) -> Flag | None:
    """A live flag for triage, or None when the user may not see it or there is none."""
    if not may_work_in_mash(user):
        return None
    return selectors.flag_get_live(flag_id=flag_id)


def case_step_get_for_user(*, user: Any, step_id: int) -> CaseStep | None:
    """A step to record as done, or None when the user may not or there is none."""
    if not may_work_in_mash(user):
        return None
    return selectors.case_step_get(step_id=step_id)
