"""Which process is doing a piece of work, and whether that process still exists.

A file being ingested and a job being run each record their owner: host name,
process id and the process's start time. A crash (SIGKILL, out of memory, a
restart) gives the owner no chance to say it stopped, so whoever looks next asks
instead: on the same host, is that process still running (the start time tells
a reused process id from the original); from another host, has the work shown
progress recently. What is found abandoned is marked for an operator, or queued
again, rather than left "running" for ever.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

# Work owned by a process on another host is presumed lost after this long without progress.
STALE_AFTER = dt.timedelta(minutes=15)


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first); None if unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()


def _start_time(pid: int) -> str:
    fields = _proc_stat(pid)
    # Field 22 of stat(5), the start time in clock ticks since boot; the list starts at field 3.
    return fields[19] if fields and len(fields) > 19 else ""


def process_owner() -> str:
    """This process, as recorded on the work it takes: 'host pid start-time'."""
    pid = os.getpid()
    return f"{socket.gethostname()} {pid} {_start_time(pid)}".strip()


def _running(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    fields = _proc_stat(pid)
    if fields is None:
        return True  # no /proc to ask: trust the signal
    if fields[0] == "Z":
        return False  # a zombie has stopped working; only its exit status is left
    return not started or len(fields) <= 19 or fields[19] == started


def owner_is_gone(
    owner: str,
    progress_at: dt.datetime | None,
    now: dt.datetime,
    *,
    stale_after: dt.timedelta = STALE_AFTER,
) -> bool:
    """Whether the process that took some work can no longer be doing it."""
    parts = owner.split(" ")
    if len(parts) >= 2 and parts[0] == socket.gethostname() and parts[1].isdigit():
        return not _running(int(parts[1]), parts[2] if len(parts) > 2 else "")
    return progress_at is None or now - progress_at > stale_after
