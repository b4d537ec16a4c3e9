"""Two-factor sign-in enforced for every page, the way sign-in itself is.

Like Django's ``LoginRequiredMiddleware``, closed is the default: a page added
later needs the code too, unless its view opts out on purpose with
:func:`two_factor_not_required` (the two-factor steps themselves, sign-out) or
is public anyway (``@login_not_required``: sign-in, report a concern). Static
files never get here: WhiteNoise answers them first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

V = TypeVar("V", bound=Callable[..., Any])


def two_factor_not_required(view: V) -> V:
    """Mark a view a signed-in person may open before confirming their code."""
    view.two_factor_required = False  # type: ignore[attr-defined]
    return view


def two_factor_pending(request: HttpRequest) -> bool:
    """Signed in with a password, and two-factor sign-in is required but not yet done."""
    user: Any = request.user
    return bool(
        settings.SIGHTLINE_REQUIRE_TWO_FACTOR and user.is_authenticated and not user.is_verified()
    )


class TwoFactorRequiredMiddleware(MiddlewareMixin):
    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "two_factor_required", True):
            return None
        if not two_factor_pending(request):
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('web:two-factor')}?{query}")
