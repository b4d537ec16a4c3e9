"""Background runs recorded as jobs: done, failed, or interrupted and run again."""

from __future__ import annotations

import socket
import subprocess

import pytest
from django.utils import timezone

from sightline.jobs.models import Job
from sightline.jobs.services import MAX_ATTEMPTS, job_enqueue, jobs_recover

pytestmark = pytest.mark.django_db


def _dead_pid_owner() -> str:
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()} {child.pid} 1"


def _left_running(command: str, attempts: int = 1) -> Job:
    now = timezone.now()
    return Job.objects.create(
        command=command,
        status=Job.Status.RUNNING,
        owner=_dead_pid_owner(),
        attempts=attempts,
        created_at=now,
        started_at=now,
    )


def test_a_command_run_is_recorded_as_a_job_done(cli):
    result = cli("evaluate")
    assert result.code == 0, result.err
    job = Job.objects.get()
    assert (job.command, job.status, job.attempts) == ("evaluate", "done", 1)
    assert job.finished_at is not None


def test_a_job_whose_process_is_gone_is_queued_again_and_the_worker_finishes_it(cli):
    lost = _left_running("evaluate")
    result = cli("worker", "--once")
    assert result.code == 0, result.err
    assert f"job {lost.pk}: sightline evaluate: interrupted by a restart; queued" in result.err
    lost.refresh_from_db()
    assert (lost.status, lost.attempts) == ("done", 2)
    assert "interrupted" in lost.notes


def test_the_next_command_finishes_an_interrupted_run_of_the_same_work(cli):
    lost = _left_running("evaluate")
    assert cli("evaluate").code == 0
    lost.refresh_from_db()
    newer = Job.objects.exclude(pk=lost.pk).get()
    assert lost.status == "done"
    assert lost.notes.endswith(f"done by job {newer.pk}")


def test_a_job_still_running_in_a_live_process_is_left_alone():
    now = timezone.now()
    from sightline.jobs.processes import process_owner

    alive = Job.objects.create(
        command="link", status="running", owner=process_owner(), created_at=now, started_at=now
    )
    assert jobs_recover() == []
    alive.refresh_from_db()
    assert alive.status == "running"


def test_a_run_that_keeps_being_killed_stops_being_retried():
    lost = _left_running("link", attempts=MAX_ATTEMPTS)
    jobs_recover()
    lost.refresh_from_db()
    assert lost.status == "failed"
    assert f"interrupted {MAX_ATTEMPTS} times" in lost.error


def test_a_failing_job_is_marked_failed_and_the_worker_exits_1(cli):
    job = job_enqueue(command="evaluate", argv=["--person", "NO-SUCH-PERSON"])
    result = cli("worker", "--once")
    assert result.code == 1
    job.refresh_from_db()
    assert job.status == "failed"
