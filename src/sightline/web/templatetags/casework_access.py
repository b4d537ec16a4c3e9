"""Template filters that ask the casework access functions, so a template never decides access."""

from __future__ import annotations

from typing import Any

from django import template

from sightline.accounts import access_casework

register = template.Library()


@register.filter
def may_work_in_mash(user: Any) -> bool:
    """Whether to show the MASH in the navigation: the same check the pages make."""
    return access_casework.may_work_in_mash(user)


@register.filter
def may_hold_cases(user: Any) -> bool:
    """Whether to show "Your cases" in the navigation: social workers and team managers."""
    from sightline.accounts.access import staff_of
    from sightline.accounts.models import Role

    staff = staff_of(user)
    return staff is not None and staff.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


@register.filter
def may_see_feeds(user: Any) -> bool:
    """Whether to show the feeds overview and quarantine in the navigation."""
    from sightline.accounts.access import feeds_may_view

    return feeds_may_view(user=user)


@register.filter
def may_see_retention(user: Any) -> bool:
    """Whether to show the retention page in the navigation."""
    from sightline.accounts.access import retention_may_view

    return retention_may_view(user=user)
