"""Signing in: password, then a code from an authenticator app; pauses; changing a password.

Thin views over :mod:`sightline.accounts.two_factor` and
:mod:`sightline.accounts.services`. Which pages need the code is decided in
:mod:`sightline.web.middleware`; how many wrong passwords pause sign-in, by
django-axes (settings.AXES_*).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from sightline.accounts import two_factor as tf
from sightline.accounts.services import password_change as password_change_service
from sightline.web.auth_forms import CodeForm, PasswordChangeForm
from sightline.web.client import client_ip
from sightline.web.forms import SignInForm
from sightline.web.middleware import two_factor_not_required


class SignInView(auth_views.LoginView):
    template_name = "web/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


sign_in = SignInView.as_view()
sign_out = two_factor_not_required(auth_views.LogoutView.as_view())


def sign_in_paused(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """django-axes' answer once a username and address have failed too often.

    The sign-in page again, saying sign-in is paused and for how long. It reads
    the same whether or not the username exists: axes counts failures for any
    username typed, so the pause gives nothing away.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username", "")
    form = SignInForm(request, initial={"username": username})
    return render(
        request,
        "web/sign_in.html",
        {"form": form, "paused_minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go once the code is right: the page asked for, if it is one of ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return str(settings.LOGIN_REDIRECT_URL)


@two_factor_not_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the person's authenticator app."""
    user: Any = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    device = tf.device_confirmed(user)
    if device is None:
        return redirect(_with_next("web:two-factor-set-up", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = tf.code_check(device, form.cleaned_data["token"])
        if problem is None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", problem)
    return render(request, "web/two_factor.html", {"form": form, "next": _next_url(request)})


@two_factor_not_required
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after a reset): link an authenticator app, proven by one code."""
    user: Any = request.user
    if tf.device_confirmed(user) is not None:
        return redirect(_with_next("web:two-factor", request))
    device = tf.device_for_set_up(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = tf.device_confirm(
            user=user, device=device, code=form.cleaned_data["token"], ip_address=client_ip(request)
        )
        if problem is None:
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is set up")
            return redirect(_next_url(request))
        form.add_error("token", problem)
    return render(
        request,
        "web/two_factor_set_up.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": tf.qr_code_svg(device),
            "secret": tf.secret_text(device),
        },
    )


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def password_change(request: HttpRequest) -> HttpResponse:
    """Change your own password, checked by the password rules (AUTH_PASSWORD_VALIDATORS)."""
    user: Any = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change_service(
            user=user,
            password=form.cleaned_data["new_password1"],
            ip_address=client_ip(request),
        )
        # Keeps this session signed in (and its two-factor step done); others end.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed")
        return redirect("web:password-change")
    return render(request, "web/password_change.html", {"form": form})
