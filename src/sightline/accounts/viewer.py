"""Who is looking: the person on whose behalf a selector reads case data.

A small value passed to every selector that returns a child's records, so that
what a record's sensitivity allows is decided in one place per kind of data.
The access-control issue will build viewers from signed-in users (their agency
and role); until then the CLI and batch jobs use :meth:`Viewer.system`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Viewer:
    """Someone reading case data: their name, their agency, and what they may see.

    ``agency_code`` is the code of the agency they work for (None for someone
    who works for none, such as the partnership's own staff). A restricted
    record is shown to a viewer who may see restricted records, or who works
    for the agency that sent it; to anyone else it is withheld.
    """

    name: str
    agency_code: str | None
    may_see_restricted: bool

    @classmethod
    def system(cls) -> Viewer:
        """Sightline itself, for the CLI and batch jobs: sees every record."""
        return cls(name="sightline (system)", agency_code=None, may_see_restricted=True)


# Roles whose work needs restricted records (sexual health, some police
# intelligence) where the child's safety turns on them; partners see their own.
RESTRICTED_ROLES = frozenset({"mash", "social_worker", "team_manager"})


def viewer_for(user: Any) -> Viewer:
    """The viewer a signed-in user reads case data as: their agency and role decide."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return Viewer(name=user.get_username(), agency_code=None, may_see_restricted=False)
    return Viewer(
        name=user.get_username(),
        agency_code=staff.agency.code if staff.agency_id else None,
        may_see_restricted=staff.role in RESTRICTED_ROLES,
    )
