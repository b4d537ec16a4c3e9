"""The API's addresses, under /api/v1/. Sign-in does not apply: callers are systems with tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver

from sightline.api.views import api


def _open_to_systems(patterns: list[Any]) -> list[Any]:
    """Mark every API view as exempt from LoginRequiredMiddleware.

    The API authenticates each request by its agency token (and the schema is
    public), so a session sign-in would only turn a 401 into a redirect to a page.
    """
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open_to_systems(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns


app_name = "api"
urlpatterns = _open_to_systems(list(api.urls[0]))
