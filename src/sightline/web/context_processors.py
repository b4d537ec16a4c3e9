"""What every page's template needs to know beyond the request."""

from __future__ import annotations

from django.http import HttpRequest

from sightline.web.middleware import two_factor_pending


def two_factor(request: HttpRequest) -> dict[str, bool]:
    """Hide the menu until the two-factor step is done: every link would lead back to it."""
    return {"two_factor_pending": two_factor_pending(request)}
