"""Running a command while sampling the memory of it and every process it starts."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    code: int


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return pids


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared with the parent after fork count once in
    total, where summing plain RSS over a process tree would count them per process."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_sampled(cmd: list[str], env: dict[str, str], interval: float = 1.0) -> Run:
    """Run ``cmd``; the peak is the largest total PSS of the process tree at any sample.

    Sampled once a second: reading smaps_rollup walks the process's page tables
    under its memory lock, and ten samples a second slowed the ingest it measured
    by a tenth.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss_kb(p) for p in _tree(proc.pid)))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return Run(seconds, peak / 1024, out, err, proc.returncode)


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def log(msg: str) -> None:
    """A benchmark's progress, on standard error, as it happens."""
    print(f"  {msg}", file=sys.stderr, flush=True)


def checked(run: Run, what: str) -> Run:
    """The run, or the benchmark stopped with the end of what it wrote to standard error."""
    if run.code != 0:
        raise SystemExit(f"{what} failed ({run.code}): {run.stderr[-2000:]}")
    return run
