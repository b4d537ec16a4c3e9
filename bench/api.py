"""Partner API benchmark (issue 6): 10 agencies at once posting batches of feed v1
records to ``POST /api/v1/feeds`` on a real server (``sightline serve``: gunicorn,
2 workers) against PostgreSQL.

Target: 200 records a second sustained from 10 concurrent agencies, with no record
lost or duplicated. Afterwards the database is counted: every record sent is held
exactly once, every batch is one feed file, and the batches each agency sent
twice (a client retrying after a time-out) added nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.machine import describe
from bench.procs import base_env, log
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SIGHTLINE = str(ROOT / ".venv" / "bin" / "sightline")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "sightline_api_bench"
AGENCIES = 10
BATCH = 100  # records a request: a partner system sending little and often
RETRY_EVERY = 10  # every 10th batch is sent twice, as a client retrying would


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-records", type=int, default=2000, help="records each agency sends (api)"
    )


def _borough(children: int) -> Path:
    gen = OUT / f"api-borough-{children}"
    if not (gen / "truth").exists():
        shutil.rmtree(gen, ignore_errors=True)
        log(f"generating a borough of {children:,} children")
        subprocess.run(
            [SIGHTLINE, "generate", "--children", str(children), "--seed", "11", "--out", str(gen)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return gen


def _agency_batches(per_agency: int) -> dict[str, list[bytes]]:
    """The 10 agencies with most records, each with ``per_agency`` of its own, in batches."""
    children = 1000
    while True:
        files = sorted(
            _borough(children).glob("*.jsonl"), key=lambda p: -sum(1 for _ in p.open("rb"))
        )[:AGENCIES]
        counts = [sum(1 for _ in p.open("rb")) for p in files]
        if min(counts) >= per_agency:
            break
        children *= 2
    batches: dict[str, list[bytes]] = {}
    for path in files:
        lines = path.read_bytes().splitlines(keepends=True)[:per_agency]
        batches[path.stem] = [b"".join(lines[i : i + BATCH]) for i in range(0, len(lines), BATCH)]
    return batches


def _fresh_database() -> str:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = f"{PG_SERVER}/{DATABASE}"
    subprocess.run([SIGHTLINE, "migrate", "-v0"], check=True, env=base_env(DATABASE_URL=url))
    return url


_MAKE_TOKENS = """
import json, sys, django
django.setup()
from sightline.api.services import token_create
from sightline.feeds.models import Agency
out = {}
for code in sys.argv[1:]:
    agency = Agency.objects.create(code=code)
    out[code] = token_create(agency=agency, name="benchmark").secret
print(json.dumps(out))
"""


def _tokens(env: dict[str, str], codes: list[str]) -> dict[str, str]:
    done = subprocess.run(
        [PYTHON, "-c", _MAKE_TOKENS, *codes], env=env, check=True, capture_output=True, text=True
    )
    tokens: dict[str, str] = json.loads(done.stdout)
    return tokens


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("sightline serve stopped before it answered")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("sightline serve did not start listening within 30 s")


def _warm_up(port: int) -> None:
    """Load each worker's lazily imported code before the clock starts."""
    for _ in range(8):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/api/v1/schema")
        conn.getresponse().read()
        conn.close()


def _post(port: int, token: str, body: bytes) -> tuple[int, dict[str, Any], float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(
            "POST",
            "/api/v1/feeds",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
        )
        response = conn.getresponse()
        answer = json.loads(response.read())
        return response.status, answer, time.perf_counter() - start
    finally:
        conn.close()


def _is_retry(n: int) -> bool:
    """Whether the n-th request of an agency was a batch sent the second time."""
    # Requests go: batch 0..8, batch 9, batch 9 again, batch 10..18, batch 19, again...
    return n % (RETRY_EVERY + 1) == RETRY_EVERY


def _count(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        one = conn.execute(
            "SELECT count(*), count(DISTINCT (agency_id, record_id, version))"
            " FROM feeds_sourcerecord"
        ).fetchone()
        files = conn.execute("SELECT count(*) FROM feeds_feedfile").fetchone()
        per_agency = dict(
            conn.execute(
                "SELECT a.code, count(*) FROM feeds_sourcerecord r"
                " JOIN feeds_agency a ON a.id = r.agency_id GROUP BY a.code"
            ).fetchall()
        )
        quarantined = conn.execute("SELECT count(*) FROM feeds_quarantinedline").fetchone()
    assert one and files and quarantined
    return {
        "rows": one[0],
        "distinct": one[1],
        "files": files[0],
        "per_agency": per_agency,
        "quarantined": quarantined[0],
    }


def main(args: argparse.Namespace) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    batches = _agency_batches(args.api_records)
    url = _fresh_database()
    var = OUT / "api-var"
    shutil.rmtree(var, ignore_errors=True)
    env = base_env(
        DATABASE_URL=url,
        SIGHTLINE_ENV="test",
        SIGHTLINE_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="sightline.config.settings",
        # The benchmark measures throughput, not the rate limit.
        SIGHTLINE_API_RATE_LIMIT="100000/min",
    )
    tokens = _tokens(env, list(batches))
    port = _free_port()
    server = subprocess.Popen(
        [SIGHTLINE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    results: dict[str, list[tuple[int, dict[str, Any], float]]] = {c: [] for c in batches}
    try:
        _wait_for(port, server)
        _warm_up(port)

        def agency(code: str) -> None:
            for i, body in enumerate(batches[code]):
                results[code].append(_post(port, tokens[code], body))
                if i % RETRY_EVERY == RETRY_EVERY - 1:
                    results[code].append(_post(port, tokens[code], body))

        threads = [threading.Thread(target=agency, args=(c,)) for c in batches]
        log(f"{AGENCIES} agencies sending {args.api_records:,} records each, {BATCH} a request")
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        load = Path("/proc/loadavg").read_text().split()[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    answers = [r for rs in results.values() for r in rs]
    ok = [a for status, a, _ in answers if status == 200]
    statuses = sorted({status for status, _, _ in answers})
    sent = sum(len(body.splitlines()) for bs in batches.values() for body in bs)
    resent = sum(
        len(body.splitlines())
        for bs in batches.values()
        for i, body in enumerate(bs)
        if i % RETRY_EVERY == RETRY_EVERY - 1
    )

    def taken(a: dict[str, Any]) -> int:
        return int(a["accepted"] + a["superseded"] + a["stale"])

    held = _count(url)
    latencies = sorted(t for _, _, t in answers)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    retries = [a for rs in results.values() for n, (_, a, _) in enumerate(rs) if _is_retry(n)]
    checks = {
        "every request answered 200": statuses == [200],
        "every line answered for (counts add up, one result a line)": sum(
            a["lines_read"] for a in ok
        )
        == sent + resent
        and all(len(a["records"]) == a["lines_read"] for a in ok),
        "records held = records taken (none lost)": held["rows"] == sum(taken(a) for a in ok),
        "no record version held twice": held["rows"] == held["distinct"],
        "re-sent batches took nothing new": all(taken(a) == 0 for a in retries),
        "one feed file a request": held["files"] == len(answers),
        "each agency holds exactly what it was told was taken": all(
            held["per_agency"].get(c, 0) == sum(taken(a) for s, a, _ in results[c] if s == 200)
            for c in batches
        ),
    }
    accepted = sum(taken(a) for a in ok)
    duplicates = sum(a["duplicates"] for a in ok)
    rejected = sum(a["rejected"] for a in ok)
    rate = (sent + resent) / seconds
    verdict = "met" if rate >= 200 and all(checks.values()) else "NOT met"
    rows = "\n".join(f"| {name} | {'yes' if ok else 'NO'} |" for name, ok in checks.items())
    body = f"""## Partner API

Machine: {describe()}.

{AGENCIES} agencies at once (one thread each, the 10 largest agency files of a
generated borough, `sightline generate --seed 11`), each posting
{args.api_records:,} of its own feed v1 records to `POST /api/v1/feeds`,
{BATCH} records a request, one request at a time, to `sightline serve`
(gunicorn, 2 sync workers) on this machine against PostgreSQL. Every
{RETRY_EVERY}th batch is sent a second time straight after, as a client retrying
after a time-out would. Time is wall-clock from the first request to the last
answer. One-minute load average at the end of the run: {load} (other work shared
the machine; the figure is what the API sustained alongside it).

Target: 200 records a second from 10 concurrent agencies, with no record lost or
duplicated: **{verdict}**.

| records sent (with re-sent) | requests | time | records/s | request median | request p95 | taken | duplicates | rejected |
|---|---|---|---|---|---|---|---|---|
| {sent:,} ({sent + resent:,}) | {len(answers):,} | {seconds:.1f} s | {rate:,.0f} | {statistics.median(latencies) * 1000:.0f} ms | {p95 * 1000:.0f} ms | {accepted:,} | {duplicates:,} | {rejected:,} |

Counted in the database afterwards ({held["rows"]:,} source records,
{held["files"]:,} feed files, {held["quarantined"]:,} quarantined lines):

| check | holds |
|---|---|
{rows}
"""
    write_section("api", body)
    print(body)
    if verdict != "met":
        raise SystemExit("the API benchmark missed its target or a check failed")
