"""``sightline serve`` and ``sightline demo``, run as a person would type them."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory

from sightline.feeds.models import FeedFile, QuarantinedLine, RecordHead
from sightline.web import serving
from sightline.web.demo import DEMO_USERS
from tests.conftest import FIXTURES

GENERATOR_PRESENT = importlib.util.find_spec("sightline.synth.cli") is not None


def _authenticate(**credentials: str):
    """Sign-in as the sign-in page does it: django-axes needs the request."""
    return authenticate(RequestFactory().post("/sign-in"), **credentials)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def no_exec(monkeypatch):
    """Record what would be served instead of replacing the test process with gunicorn."""
    calls: list[list[str]] = []

    def fake_exec(argv):
        calls.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(serving, "exec_gunicorn", fake_exec)
    return calls


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.SIGHTLINE_VAR_DIR = tmp_path / "var"
    return settings.SIGHTLINE_VAR_DIR


def _password(err: str, username: str = "data.engineer") -> str:
    match = re.search(rf"username {re.escape(username)}\s+password (\S+)", err)
    assert match, err
    return match.group(1)


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_help_exits_0_and_describes_the_options(cli, command):
    result = cli(command, "--help")
    assert result.code == 0
    for option in ("--host", "--port"):
        assert option in result.out
    if command == "demo":
        assert "--reset" in result.out and "--no-serve" in result.out


def test_both_commands_are_listed_by_sightline(cli):
    out = cli("--help").out
    assert re.search(r"^\s+demo\s+\S", out, re.M) and re.search(r"^\s+serve\s+\S", out, re.M)


def test_serve_runs_gunicorn_on_localhost_8000_with_2_workers(cli, no_exec, monkeypatch):
    monkeypatch.setattr(serving, "check_port", lambda host, port: None)
    result = cli("serve")
    assert result.code == 0
    (argv,) = no_exec
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[-1] == "sightline.config.wsgi:application"
    assert "http://127.0.0.1:8000/" in result.err


def test_serve_refuses_a_port_that_is_not_a_port(cli, no_exec):
    result = cli("serve", "--port", "70000")
    assert result.code == 2
    assert "not a port number" in result.err
    assert no_exec == []


def test_serve_says_when_the_port_is_taken(cli, no_exec):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.err
    assert no_exec == []


@pytest.mark.slow
def test_serve_really_serves_pages_and_gov_uk_frontend(tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        SIGHTLINE_ENV="test",
        SIGHTLINE_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sightline.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/sign-in", timeout=2) as response:
                    page = response.read().decode()
                break
            # The master listens before its worker has loaded Django: on a busy machine
            # the first answer can take longer than one try's timeout.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    message = proc.stderr.read().decode() if proc.stderr else ""
                    raise AssertionError(f"sightline serve did not answer: {message}") from None
                time.sleep(0.2)
        assert "<title>Sign in - Sightline</title>" in page
        css = Path(__file__).parents[2] / "src/sightline/web/static/govuk/govuk-frontend.min.css"
        if not css.exists():
            pytest.skip("GOV.UK Frontend is not copied in: run 'make install'")
        with urllib.request.urlopen(f"{base}/static/govuk/govuk-frontend.min.css") as response:
            assert response.read() == css.read_bytes()
        font = re.search(rb"url\((assets/fonts/[^)]+\.woff2)\)", css.read_bytes())
        assert font, "the CSS should refer to its fonts relatively"
        with urllib.request.urlopen(f"{base}/static/govuk/{font.group(1).decode()}") as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


@pytest.mark.django_db
def test_demo_setup_loads_feeds_and_creates_a_user_who_can_sign_in(cli, var_dir, no_exec):
    result = cli("demo", "--no-serve", "--feeds", str(FIXTURES))
    assert result.code == 0, result.err
    assert no_exec == []
    password = _password(result.err)
    user = _authenticate(username="data.engineer", password=password)
    assert user is not None and user.is_staff
    assert sorted(FeedFile.objects.values_list("name", flat=True)) == [
        "example-bad-feed.jsonl",
        "example-feed.jsonl",
    ]
    assert RecordHead.objects.count() == 5
    assert "5 current records from 2 feed files; 7 rejected lines in quarantine" in result.err
    assert "http://127.0.0.1:8000/" in result.err


@pytest.mark.django_db
def test_demo_setup_again_loads_nothing_twice_and_changes_the_password(cli, var_dir):
    first = cli("demo", "--no-serve", "--feeds", str(FIXTURES))
    again = cli("demo", "--no-serve", "--feeds", str(FIXTURES))
    assert again.code == 0, again.err
    assert FeedFile.objects.count() == 2
    assert "2 file(s) already loaded" in again.err
    old, new = _password(first.err), _password(again.err)
    assert old != new
    assert _authenticate(username="data.engineer", password=old) is None
    assert _authenticate(username="data.engineer", password=new) is not None
    assert get_user_model().objects.filter(username="data.engineer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_demo_reset_starts_from_an_empty_database(cli, var_dir, engineer):
    cli("demo", "--no-serve", "--feeds", str(FIXTURES))
    QuarantinedLine.objects.update(status=QuarantinedLine.Status.ACCEPTED)
    result = cli("demo", "--no-serve", "--reset", "--feeds", str(FIXTURES))
    assert result.code == 0, result.err
    assert FeedFile.objects.count() == 2  # read again, not skipped
    assert QuarantinedLine.objects.filter(status="open").count() == 7
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert usernames == {u.username for u in DEMO_USERS}


@pytest.mark.django_db
def test_demo_serves_after_setup_and_prints_where_to_look(cli, var_dir, no_exec, monkeypatch):
    monkeypatch.setattr(serving, "check_port", lambda host, port: None)
    result = cli("demo", "--feeds", str(FIXTURES), "--port", "8123")
    assert result.code == 0, result.err
    (argv,) = no_exec
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert "Open      http://127.0.0.1:8123/" in result.err
    assert _password(result.err)


@pytest.mark.django_db
def test_demo_checks_the_port_before_setting_anything_up(cli, var_dir, no_exec):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = cli("demo", "--feeds", str(FIXTURES), "--port", str(taken.getsockname()[1]))
    assert result.code == 1
    assert "already in use" in result.err
    assert not FeedFile.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_demo_refuses_to_run_in_production(cli, var_dir, settings):
    settings.SIGHTLINE_ENV = "production"
    result = cli("demo", "--no-serve", "--feeds", str(FIXTURES))
    assert result.code == 1
    assert "will not run with SIGHTLINE_ENV=production" in result.err
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_demo_with_a_missing_feeds_folder_is_a_usage_error(cli, var_dir, tmp_path):
    result = cli("demo", "--no-serve", "--feeds", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert "no such folder" in result.err


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(
    not GENERATOR_PRESENT,
    reason="the synthetic borough generator (sightline.synth.cli) is not in this tree yet",
)
def test_demo_generates_a_small_borough_and_loads_it_once(cli, var_dir):
    result = cli("demo", "--no-serve", "--children", "50", "--seed", "7")
    assert result.code == 0, result.err
    demo = var_dir / "demo"
    marker = json.loads((demo / ".sightline-demo.json").read_text())
    assert (marker["children"], marker["seed"]) == (50, 7)
    files = FeedFile.objects.count()
    assert files >= 1
    assert RecordHead.objects.exists()
    assert _authenticate(username="data.engineer", password=_password(result.err)) is not None
    # The MASH has concerns to triage, and nothing is made twice on a second run.
    from sightline.casework.models import Contact, Notification

    contacts = Contact.objects.count()
    assert Contact.objects.filter(triage__isnull=True).count() == 8
    notes = Notification.objects.count()
    again = cli("demo", "--no-serve", "--children", "50", "--seed", "7")
    assert again.code == 0, again.err
    assert "is already in" in again.err
    assert FeedFile.objects.count() == files
    assert (Contact.objects.count(), Notification.objects.count()) == (contacts, notes)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(
    not GENERATOR_PRESENT,
    reason="the synthetic borough generator (sightline.synth.cli) is not in this tree yet",
)
def test_demo_will_not_mix_two_boroughs(cli, var_dir):
    assert cli("demo", "--no-serve", "--children", "20", "--seed", "7").code == 0
    files = FeedFile.objects.count()
    other = cli("demo", "--no-serve", "--children", "20", "--seed", "8")
    assert other.code == 1
    assert "holds a different demo borough" in other.err and "--reset" in other.err
    assert FeedFile.objects.count() == files
