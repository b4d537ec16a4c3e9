"""Recording background runs as jobs, recovering the ones a restart cut short, running the queue.

Why a table of our own rather than a task queue library: django-tasks' database
backend (the candidate made for Django) leaves a task whose worker died marked
as running for ever (its issue #46, open), which is the one thing this must do
well; Celery or RQ would add a broker to run. Two kinds of run, each already a
command, need only: a row saying what is being done by whom, a way to see that
"whom" is gone, and a loop that runs what is queued.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import shlex
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from sightline.jobs.models import Job
from sightline.jobs.processes import owner_is_gone, process_owner

# A run interrupted this many times is not tried again: something in it kills
# the process (memory, say), and an operator must look.
MAX_ATTEMPTS = 3
# A job on another host is presumed lost after this long (a full linkage of a
# large authority takes well under an hour on one machine).
JOB_STALE_AFTER = dt.timedelta(hours=6)

# The queued job a worker is running, which the command it runs takes as its own.
_adopted: contextvars.ContextVar[Job | None] = contextvars.ContextVar("adopted_job", default=None)


def job_enqueue(*, command: str, argv: Sequence[str] = ()) -> Job:
    """Queue a run of ``sightline COMMAND ARGV`` for ``sightline worker``."""
    now = timezone.now()
    return Job.objects.create(command=command, arguments=shlex.join(argv), created_at=now)


def jobs_recover(*, now: dt.datetime | None = None) -> list[Job]:
    """Queue again every job left running by a process that no longer exists."""
    now = now or timezone.now()
    recovered = []
    for job in Job.objects.filter(status=Job.Status.RUNNING):
        if not owner_is_gone(job.owner, job.started_at, now, stale_after=JOB_STALE_AFTER):
            continue
        note = f"{now:%Y-%m-%d %H:%M:%S} attempt {job.attempts} interrupted (its process stopped)"
        if job.attempts >= MAX_ATTEMPTS:
            status, error = Job.Status.FAILED, f"interrupted {job.attempts} times: not tried again"
        else:
            status, error = Job.Status.QUEUED, ""
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, owner=job.owner).update(
            status=status,
            error=error,
            finished_at=now if status == Job.Status.FAILED else None,
            notes=(job.notes + "\n" + note).strip(),
        )
        if updated:
            job.refresh_from_db()
            recovered.append(job)
    return recovered


def job_claim_next() -> Job | None:
    """Take the oldest queued job for this process, or None when there is none."""
    for job in Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "pk")[:10]:
        claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING,
            owner=process_owner(),
            started_at=timezone.now(),
            attempts=job.attempts + 1,
        )
        if claimed:
            job.refresh_from_db()
            return job
    return None


@contextmanager
def job_running(*, command: str, argv: Sequence[str] = ()) -> Iterator[Job]:
    """Record a run as a job while it runs: done when it returns, failed when it raises.

    Under ``sightline worker`` the job is the queued one it claimed; from the
    command line it is a new one. A killed process leaves it running, for
    :func:`jobs_recover` to find. When it succeeds, queued jobs asking for the
    same run (an interrupted one queued again, say) are done by it too.
    """
    job = _adopted.get()
    if job is None:
        # An interrupted run of the same command is queued again here, and done by this one.
        jobs_recover()
        job = Job.objects.create(
            command=command,
            arguments=shlex.join(argv),
            status=Job.Status.RUNNING,
            owner=process_owner(),
            attempts=1,
            created_at=timezone.now(),
            started_at=timezone.now(),
        )
    try:
        yield job
    except BaseException as exc:
        code = exc.code if isinstance(exc, SystemExit) else 1
        if code in (0, None):
            _finish(job)
        else:
            message = str(exc) if not isinstance(exc, SystemExit) else f"exit status {code}"
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.FAILED,
                error=f"{type(exc).__name__}: {message}"[:2000],
                finished_at=timezone.now(),
            )
        raise
    _finish(job)


def _finish(job: Job) -> None:
    now = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=now)
        Job.objects.filter(
            status=Job.Status.QUEUED,
            command=job.command,
            arguments=job.arguments,
            created_at__lte=job.started_at or now,
        ).update(status=Job.Status.DONE, finished_at=now, notes=f"done by job {job.pk}")


def job_run(*, job: Job, run: Callable[[str, list[str]], None]) -> bool:
    """Run a claimed job through ``run(command, argv)``; True when it succeeded."""
    token = _adopted.set(job)
    try:
        run(job.command, shlex.split(job.arguments))
    except (Exception, SystemExit):
        # Recorded on the job by job_running (or never started: record it here).
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error="did not start"
        )
        return False
    finally:
        _adopted.reset(token)
    return True


def jobs_work(
    *,
    run: Callable[[str, list[str]], None],
    once: bool = False,
    poll_seconds: float = 5.0,
    report: Callable[[str], None] = lambda _: None,
) -> int:
    """Recover interrupted jobs and run queued ones; with ``once``, stop when none is left.

    Returns how many jobs failed.
    """
    failed = 0
    while True:
        for lost in jobs_recover():
            report(f"{lost}: interrupted by a restart; {lost.get_status_display().lower()}")
        job = job_claim_next()
        if job is None:
            if once:
                return failed
            time.sleep(poll_seconds)
            continue
        report(f"{job}: running (attempt {job.attempts})")
        ok = job_run(job=job, run=run)
        failed += 0 if ok else 1
        report(f"{job}: {'done' if ok else 'failed'}")
