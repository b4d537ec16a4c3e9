"""Template filters that ask the casework access functions, so a template never decides access."""

from __future__ import annotations

import re
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


_PERSON_PATH = re.compile(r"/people/(P-[0-9A-Za-z]{10})(?:/|$)")


@register.filter
def may_break_glass(user: Any) -> bool:
    """Whether to offer break-glass access: the same check the break-glass page makes."""
    from sightline.accounts.access import break_glass_may_request

    return break_glass_may_request(user=user)


@register.filter
def break_glass_id(request: Any) -> str:
    """On a 404 for a child's page, the id asked for, if the user may ask for break-glass access.

    The same for an id that exists and one that does not: the offer is made
    from the address alone, never from a look-up.
    """
    found = _PERSON_PATH.match(getattr(request, "path", ""))
    if found is None or not may_break_glass(getattr(request, "user", None)):
        return ""
    return found.group(1).upper()


@register.filter
def may_see_break_glass_grants(user: Any) -> bool:
    from sightline.accounts.access import break_glass_grants_may_view

    return break_glass_grants_may_view(user=user)


@register.filter
def may_export_subject_access(user: Any) -> bool:
    from sightline.accounts.access import subject_access_may_export

    return subject_access_may_export(user=user)


@register.filter
def may_manage_api_tokens(user: Any) -> bool:
    """Whether to show API tokens in the navigation: administrators."""
    from sightline.accounts.access import api_tokens_may_manage

    return api_tokens_may_manage(user=user)


@register.filter
def may_see_retention(user: Any) -> bool:
    """Whether to show the retention page in the navigation."""
    from sightline.accounts.access import retention_may_view

    return retention_may_view(user=user)


@register.filter
def may_see_reviews(user: Any) -> bool:
    """Whether to show case reviews in the navigation: the same check the pages make."""
    from sightline.accounts.access import reviews_may_view

    return reviews_may_view(user=user)


@register.filter
def may_see_dashboard(user: Any) -> bool:
    from sightline.accounts.access import dashboard_may_view

    return dashboard_may_view(user=user)


@register.filter
def may_make_returns(user: Any) -> bool:
    """Whether to offer the statutory returns (the CIN census): the check its page makes."""
    from sightline.accounts.access import returns_may_view

    return returns_may_view(user=user)
