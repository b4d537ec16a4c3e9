"""Security headers on every page: a strict Content Security Policy and the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "src/sightline/web/templates"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [("/sign-in", False), ("/report-a-concern", False), ("/", True), ("/quarantine", True)],
)
def test_every_page_carries_a_strict_content_security_policy(client, engineer, path, signed_in):
    if signed_in:
        client.force_login(engineer)
    response = client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_other_security_headers_are_on_a_page(client, db):
    response = client.get("/sign-in")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


def test_no_template_has_inline_script_or_style():
    """The policy would block them in the browser; catch them before it does."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"<style\b", html) or re.search(r"\sstyle=", html):
            offenders.append(f"{path.name}: inline style")
        if re.search(r"\son[a-z]+=", html):
            offenders.append(f"{path.name}: inline event handler")
    assert not offenders, offenders
