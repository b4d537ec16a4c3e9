"""A file whose ingest was killed shows as interrupted, saying that sending it again is safe."""

from __future__ import annotations

import socket
import subprocess

import pytest
from django.utils import timezone

from sightline.feeds.models import FeedFile

pytestmark = pytest.mark.django_db


def _left_receiving(owner: str) -> FeedFile:
    return FeedFile.objects.create(
        name="police-nightly.jsonl",
        checksum="ab" * 32,
        received_at=timezone.now(),
        owner=owner,
        progress_at=timezone.now(),
        committed_line=4200,
        lines_read=4180,
        accepted=4180,
    )


def test_a_file_left_receiving_by_a_dead_process_shows_as_interrupted(signed_in):
    child = subprocess.Popen(["true"])
    child.wait()
    feed = _left_receiving(f"{socket.gethostname()} {child.pid} 1")
    overview = signed_in.get("/").content.decode()
    assert "Interrupted" in overview
    page = signed_in.get(f"/feeds/{feed.pk}").content.decode()
    assert "Stopped after line 4,200" in page
    assert "Sending the same file again is safe" in page
    feed.refresh_from_db()
    assert feed.status == FeedFile.Status.INTERRUPTED


def test_a_file_still_being_received_is_shown_as_receiving(signed_in):
    from sightline.jobs.processes import process_owner

    feed = _left_receiving(process_owner())
    page = signed_in.get(f"/feeds/{feed.pk}").content.decode()
    assert "Receiving" in page and "Interrupted" not in page
