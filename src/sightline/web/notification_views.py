"""A user's notifications: what was pushed to them, newest first; reading marks them read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sightline.casework.notifications import notifications_mark_read, notifications_of

PAGE_SIZE = 50


def notifications_page(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(notifications_of(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "web/notifications.html", {"page": page})


@require_POST
def notifications_read_view(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_read(user=request.user)
    messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked as read")
    return redirect("web:notifications")
