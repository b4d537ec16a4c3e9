"""The data engineers' pages show what was ingested, and show it safely."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from sightline.feeds.models import FeedFile, QuarantinedLine
from sightline.feeds.services import quarantine_retry
from tests.conftest import FIXTURES, record

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script> Robert'); DROP TABLE students;--"


class _Cells(HTMLParser):
    """Text of each table row, keyed by the row's data attribute value."""

    def __init__(self, attr: str) -> None:
        super().__init__()
        self.attr = attr
        self.rows: dict[str, list[str]] = {}
        self.cells: dict[str, str] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and self.attr in a:
            self._row = a[self.attr]
            self.rows[self._row] = []
        if tag == "td" and self.attr in a:
            self._cell = []
            self._cell_key = a[self.attr]
        elif tag == "td" and self._row is not None:
            self._cell = []
            self._cell_key = None

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._cell_key is not None:
                self.cells[self._cell_key] = text
            if self._row is not None:
                self.rows[self._row].append(text)
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str, attr: str) -> _Cells:
    parser = _Cells(attr)
    parser.feed(html)
    return parser


def test_agencies_show_their_current_record_counts(signed_in, examples):
    html = signed_in.get("/").content.decode()
    counts = _parse(html, "data-agency").cells
    # Health visiting: HV-10001..10003 (10002's correction replaces, not adds) and
    # HV-20007 from the bad feed; police: one incident. "NHS HV" was never an agency.
    assert counts == {"nhs-community-hv": "4", "norfolk-police": "1"}


def test_feed_files_show_what_became_of_every_line(signed_in, examples):
    good, bad = examples
    html = signed_in.get("/").content.decode()
    rows = _parse(html, "data-feed-file").rows
    checksum = hashlib.sha256((FIXTURES / "example-feed.jsonl").read_bytes()).hexdigest()
    # file, received, status, read, accepted, duplicates, superseded, stale, rejected,
    # warnings, checksum
    good_row = rows[str(good.feed_file_id)]
    assert good_row[0] == "example-feed.jsonl"
    assert good_row[2:] == ["Complete", "5", "4", "0", "1", "0", "0", "0", checksum[:8]]
    assert rows[str(bad.feed_file_id)][2:10] == ["Complete", "8", "1", "0", "0", "0", "7", "1"]
    # Newest first: the bad feed was received last.
    assert list(rows) == [str(bad.feed_file_id), str(good.feed_file_id)]


def test_the_overview_lists_the_quarantine_with_reasons(signed_in, examples):
    html = signed_in.get("/").content.decode()
    assert "7 rejected lines are waiting for a fix" in html
    for line in QuarantinedLine.objects.all():
        assert f'href="/quarantine/{line.pk}"' in html
    assert "line is not valid JSON" in html
    assert "line is an array, not a JSON object" in html


def test_an_empty_service_says_so(signed_in):
    html = signed_in.get("/").content.decode()
    assert "No agency has sent anything yet" in html
    assert "No feed file has been received yet" in html
    assert "Nothing is in quarantine" in html


def test_the_overview_costs_the_same_queries_however_much_is_held(
    signed_in, ingest, write_feed, django_assert_num_queries
):
    ingest(FIXTURES / "example-bad-feed.jsonl")
    signed_in.get("/")  # the session row is read once; count what follows
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        signed_in.get("/")
    for i in range(4):
        ingest(write_feed([record(agency=f"agency-{i}", record_id=f"R{i}"), "not json"]))
    with django_assert_num_queries(len(few.captured_queries)):
        html = signed_in.get("/").content.decode()
    assert html.count('href="/quarantine/') == 10


def test_hostile_text_in_an_accepted_record_is_never_markup(signed_in, examples):
    _, bad = examples
    pages = ["/", "/quarantine", f"/feeds/{bad.feed_file_id}"]
    pages += [f"/quarantine/{q.pk}" for q in QuarantinedLine.objects.all()]
    for url in pages:
        html = signed_in.get(url).content.decode()
        assert "<script>alert" not in html, url
    # Line 7 is accepted with a warning, and the file's page lists that warning.
    feed_page = signed_in.get(f"/feeds/{bad.feed_file_id}").content.decode()
    assert "HV-20007" in feed_page
    assert "subject.nhs_number: &#x27;1234567890&#x27; fails the NHS number check" in feed_page


def test_a_warning_that_echoes_markup_is_shown_as_text(signed_in, ingest, write_feed):
    subject = dict(record()["subject"], postcode='<img src=x onerror="alert(1)">')
    result = ingest(write_feed([record(subject=subject)]))
    html = signed_in.get(f"/feeds/{result.feed_file_id}").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "is not a UK postcode" in html


def test_the_feed_file_page_shows_the_full_checksum_and_its_rejects(signed_in, examples):
    good, bad = examples
    page = signed_in.get(f"/feeds/{good.feed_file_id}").content.decode()
    checksum = hashlib.sha256((FIXTURES / "example-feed.jsonl").read_bytes()).hexdigest()
    assert checksum in page
    assert "Lines rejected from this file" not in page
    bad_page = signed_in.get(f"/feeds/{bad.feed_file_id}").content.decode()
    assert bad_page.count('href="/quarantine/') == 7
    assert signed_in.get("/feeds/999999").status_code == 404


class _RawLine(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.inside = False
        self.tags_inside: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.inside:
            self.tags_inside.append(tag)
        if tag == "pre" and ("id", "raw-line") in attrs:
            self.inside = True

    def handle_endtag(self, tag):
        if tag == "pre":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)


def _raw_line(html: str) -> tuple[str, list[str]]:
    parser = _RawLine()
    parser.feed(html)
    return "".join(parser.text), parser.tags_inside


def test_a_quarantined_line_with_markup_is_shown_exactly_and_only_as_text(
    signed_in, ingest, write_feed
):
    hostile = '{"agency":"<b>x</b>","summary":"<script>alert(1)</script>"'
    result = ingest(write_feed([hostile]))
    line = QuarantinedLine.objects.get(feed_file_id=result.feed_file_id)
    html = signed_in.get(f"/quarantine/{line.pk}").content.decode()
    text, tags = _raw_line(html)
    assert text == hostile  # every character, as received
    assert tags == []  # and none of it became an element
    assert "<b>x</b>" not in html and "<script>alert" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "line is not valid JSON" in html


def test_reasons_that_echo_the_input_are_shown_as_text(signed_in, ingest, write_feed):
    result = ingest(write_feed([record(type="<i>teleport</i>")]))
    line = QuarantinedLine.objects.get(feed_file_id=result.feed_file_id)
    reasons = " ".join(line.reasons)
    assert "<i>teleport</i>" in reasons  # the service's words quote the input...
    for url in ("/", "/quarantine", f"/quarantine/{line.pk}", f"/feeds/{result.feed_file_id}"):
        html = signed_in.get(url).content.decode()
        assert "<i>teleport</i>" not in html, url  # ...the pages never render it
        assert "&lt;i&gt;teleport&lt;/i&gt;" in html, url


def test_bytes_that_are_not_utf8_are_shown_not_swallowed(signed_in, ingest, write_feed):
    result = ingest(write_feed([b'{"agency":"caf\xe9"}']))
    line = QuarantinedLine.objects.get(feed_file_id=result.feed_file_id)
    html = signed_in.get(f"/quarantine/{line.pk}").content.decode()
    text, _ = _raw_line(html)
    assert text == '{"agency":"caf\\xe9"}'
    assert "not valid UTF-8" in html


def test_a_line_accepted_on_retry_keeps_its_page_and_leaves_the_list(
    signed_in, ingest, write_feed, tmp_path
):
    result = ingest(write_feed([record(type="teleportation")]))
    line = QuarantinedLine.objects.get(feed_file_id=result.feed_file_id)
    assert f'href="/quarantine/{line.pk}"' in signed_in.get("/quarantine").content.decode()
    quarantine_retry(line=line, replacement=json.dumps(record()).encode())
    assert f'href="/quarantine/{line.pk}"' not in signed_in.get("/quarantine").content.decode()
    detail = signed_in.get(f"/quarantine/{line.pk}").content.decode()
    assert "Accepted on retry" in detail
    assert "teleportation" in _raw_line(detail)[0]  # the original bytes, not the fix
    assert signed_in.get("/quarantine/999999").status_code == 404


def test_the_quarantine_list_is_paged(signed_in, ingest, write_feed):
    ingest(write_feed([f"not json {i}" for i in range(60)]))
    first = signed_in.get("/quarantine").content.decode()
    second = signed_in.get("/quarantine?page=2").content.decode()
    assert "60 rejected lines are waiting for a fix" in first
    assert len(re.findall(r'href="/quarantine/\d+"', first)) == 50
    assert len(re.findall(r'href="/quarantine/\d+"', second)) == 10
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert FeedFile.objects.get().rejected == 60


def test_a_file_page_shows_the_start_of_a_long_list_and_says_so(
    signed_in, ingest, write_feed, monkeypatch
):
    from sightline.web import views

    monkeypatch.setattr(views, "FEED_FILE_LINES_SHOWN", 3)
    bad_postcode = dict(record()["subject"], postcode="nowhere")
    lines = [record(record_id=f"W{i}", subject=bad_postcode) for i in range(4)]
    result = ingest(write_feed([*lines, *(f"not json {i}" for i in range(4))]))
    html = signed_in.get(f"/feeds/{result.feed_file_id}").content.decode()
    assert "Records accepted with warnings: the first 3 of 4" in html
    assert html.count("is not a UK postcode") == 3
    assert "Lines rejected from this file: the first 3" in html
    assert html.count('href="/quarantine/') == 3
    assert "4 lines were rejected in all" in html


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("mash", "/mash"),
        ("social_worker", "/caseload"),
        ("team_manager", "/caseload"),
        ("partner", "/people/search"),
        ("partnership_officer", "/dashboard"),
    ],
)
def test_practitioners_start_where_their_work_is_not_on_the_feeds_overview(
    client, make_staff, role, home
):
    client.force_login(make_staff(role))
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, home)


@pytest.mark.parametrize("role", ["mash", "social_worker", "partner", "partnership_officer"])
def test_the_feeds_pages_and_quarantined_lines_are_for_data_engineers_only(
    client, make_staff, examples, role
):
    from sightline.feeds.models import FeedFile, QuarantinedLine

    client.force_login(make_staff(role))
    line = QuarantinedLine.objects.first()
    assert line is not None
    for url in ("/quarantine", f"/quarantine/{line.pk}", f"/feeds/{FeedFile.objects.first().pk}"):
        assert client.get(url).status_code == 403, url
    nav = client.get("/people/search").content.decode().split('id="navigation"')[1]
    assert "Quarantine" not in nav.split("</ul>")[0]
