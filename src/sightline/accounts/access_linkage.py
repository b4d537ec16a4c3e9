"""Who may decide who is who: the linkage review queue's choke point."""

from __future__ import annotations

from typing import Any

from sightline.accounts.access import staff_of
from sightline.accounts.models import Role

# A "same person" decision joins two children's records for everyone who reads
# them, so it is for those whose work is identity: data engineers, and MASH
# practitioners and managers who meet the doubtful pairs at the front door.
LINK_REVIEWERS = frozenset({Role.DATA_ENGINEER, Role.MASH, Role.TEAM_MANAGER})


def may_review_links(user: Any) -> bool:
    """True when ``user`` may see candidate pairs and decide them."""
    staff = staff_of(user)
    if staff is None:
        return False
    return staff.role in LINK_REVIEWERS
