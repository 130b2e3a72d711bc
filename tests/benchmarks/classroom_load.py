"""Classroom load benchmark: many simulated students posting trials at once.

    nice -n 10 .venv/bin/python tests/benchmarks/classroom_load.py [--students 200] [--rate 4] [--trials 40]

A `motorseq serve --class` process (``--workers``, default one) takes the class; this process is the
load generator (one asyncio HTTP client, a separate process from the server, both niced by the
command above). Every student joins with the code at once; when the whole class has joined, each
posts its trials at ``--rate`` trials a second from a random phase (each trial waits for its
acknowledgement, as a page does), while a teacher page follows the live stream. Run against SQLite
and, when ``MOTORSEQ_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it), PostgreSQL.

Printed per database: join time, trials written per second (acknowledged trials over the time from
the start signal to the last acknowledgement), latency of a trial write (median, p99, max), lost
(acknowledged but not in the database) and duplicated trials, the teacher page's updates, and the
machine's load average.
Targets: the offered load (students x rate) sustained, p99 write latency <= 250 ms, 0 lost, 0 duplicated.

Measured 2026-12-04 on the shared 2-core machine (load average 11-13, benchmark and server at nice 10),
defaults (200 students x 40 trials at 4/s, one server process):
before (main): SQLite 36 trials/s, p99 22 s; PostgreSQL 21 trials/s, p99 62 s. Profiled with py-spy:
the joins (each student's number drawn by count + retry: 200 joining at once collided over and over,
each retry generating a trial list), the load generator (httpx's pool scan took a whole core at
~90 requests/s), 40 threads contending for SQLite's write lock (busy-handler sleeps), ORM work per
trial, the teacher stream re-reading every trial each second, and full garbage collections (100-540 ms).
after: SQLite 748-780 trials/s, median 31-251 ms, p99 351-446 ms; PostgreSQL 656-741 trials/s, median
180-294 ms, p99 597-752 ms; 0 lost, 0 duplicated; the server used 0.4 ms of CPU a trial (28-34% of one
core) while its event loop waited 7.4 s of a 10.5 s run for a CPU: the latency left is the machine's
load (normal-priority work of others against our nice 10), not the server's work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _web_server  # noqa: E402


async def _teacher(client, code: str, token: str, received: list[float]) -> None:
    """Follow the teacher page's live stream (server-sent events) as an open teacher page does."""
    try:
        async with client.stream("GET", f"/api/class/{code}/events", params={"token": token}, timeout=None) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("event: summary"):
                    received.append(time.perf_counter())
    except Exception:  # noqa: BLE001 - the server is killed at the end
        return


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _runqueue_seconds(pid: int) -> float:
    """Time the server's main thread (its event loop) spent runnable but waiting for a CPU (Linux; 0 elsewhere)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


async def _class(url: str, code: str, token: str, students: int, rate: float, trials: int, pid: int) -> dict:
    import httpx
    from _raw_http import RawClient
    from motorseq.tasks.web.autoplay import PlayStyle, http_student

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        start, updates = asyncio.Event(), []
        teacher = asyncio.create_task(_teacher(client, code, token, updates))
        pages = [RawClient(url) for _ in range(students)]  # one connection per student, as each page has
        rng = np.random.default_rng(0)
        joining = time.perf_counter()
        tasks = [
            asyncio.create_task(
                http_student(
                    pages[i],
                    code,
                    PlayStyle(seed=i),
                    rate_hz=rate,
                    stop_after=trials,
                    start=start,
                    offset_s=float(rng.uniform(0, 1 / rate)),  # students are not in step
                )
            )
            for i in range(students)
        ]
        while not all(t.done() for t in tasks) and _joined(url, code, token) < students:
            await asyncio.sleep(0.2)
        joined_after = time.perf_counter() - joining
        began, cpu_before, waited_before = time.perf_counter(), _cpu_seconds(pid), _runqueue_seconds(pid)
        start.set()
        results = await asyncio.gather(*tasks)
        server_cpu, waited = _cpu_seconds(pid) - cpu_before, _runqueue_seconds(pid) - waited_before
        teacher.cancel()
        for page in pages:
            await page.aclose()
        ended = max(r["last_ack"] for r in results)
        n_updates = sum(began <= t <= ended for t in updates)
        return {
            "results": results, "seconds": ended - began, "join_s": joined_after, "updates": n_updates,
            "server_cpu": server_cpu, "waited": waited,
        }  # fmt: skip


def _joined(url: str, code: str, token: str) -> int:
    import httpx

    response = httpx.get(f"{url}/api/class/{code}/summary", params={"token": token}, timeout=60)
    return int(response.json()["counts"]["joined"]) if response.status_code == 200 else 0


def run(db_url: str, students: int, rate: float, trials: int, workers: int = 1) -> bool:
    from motorseq.tasks.web.db import Run, TrialRecord, connect
    from sqlalchemy import func, select

    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "serve.log"
        process, url = _web_server.start(["--class", "--workers", str(workers)], db_url, log)
        load_before = os.getloadavg()
        try:
            code, token = _web_server.class_code(log), _web_server.teacher_token(log)
            measured = asyncio.run(_class(url, code, token, students, rate, trials, process.pid))
        finally:
            _web_server.stop(process)
        load_after = os.getloadavg()
    results, seconds = measured["results"], measured["seconds"]
    db = connect(db_url)
    with db.sessions() as session:
        stored = session.execute(select(Run.token, TrialRecord.trial_index).join(Run, Run.id == TrialRecord.run_id))
        stored = list(stored)
        duplicated = session.execute(
            select(func.count()).select_from(
                select(TrialRecord.run_id, TrialRecord.trial_index)
                .group_by(TrialRecord.run_id, TrialRecord.trial_index)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar()
    db.engine.dispose()
    in_db = set(stored)
    acknowledged = {(r["token"], i) for r in results for i in r["posted"]}
    lost = len(acknowledged - in_db)
    latencies = np.concatenate([r["latencies_ms"] for r in results])
    joins = np.array([r["join_ms"] for r in results])
    throughput = len(acknowledged) / seconds
    offered = students * rate
    p99 = float(np.percentile(latencies, 99))
    name = db_url.split(":", 1)[0]
    print(
        f"{name} ({workers} server process(es)): {students} students joined in {measured['join_s']:.1f} s "
        f"(join latency median {np.median(joins):.0f} ms, p99 {np.percentile(joins, 99):.0f} ms); then "
        f"{students} x {trials} trials at {rate:g}/s each: {len(acknowledged)} trials in {seconds:.1f} s "
        f"= {throughput:.0f} trials/s (offered {offered:.0f}/s); write latency median {np.median(latencies):.1f} ms, "
        f"p99 {p99:.1f} ms, max {latencies.max():.0f} ms; lost {lost}, duplicated {duplicated}; "
        f"teacher page live updates during the trials: {measured['updates']}; server CPU during the trials "
        f"{measured['server_cpu']:.1f} s ({1000 * measured['server_cpu'] / max(len(acknowledged), 1):.2f} ms a trial, "
        f"{100 * measured['server_cpu'] / seconds:.0f}% of one core), its event loop waited {measured['waited']:.1f} s "
        f"for a CPU (run queue); "
        f"machine load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    sustained = throughput >= 0.9 * offered
    verdict = "met" if sustained else "MISSED"
    print(f"[target {name}: offered load sustained (>= 90% of {offered:.0f} trials/s): {verdict}]")
    print(f"[target {name}: p99 write latency <= 250 ms: {'met' if p99 <= 250 else 'MISSED'}]")
    print(f"[target {name}: 0 lost, 0 duplicated: {'met' if lost == 0 and duplicated == 0 else 'MISSED'}]")
    return sustained and p99 <= 250 and lost == 0 and duplicated == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4.0, help="trials per second per student")
    parser.add_argument("--trials", type=int, default=40, help="trials each student posts")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both", help="databases to load")
    args = parser.parse_args(argv)
    if args.db in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'load.db'}", args.students, args.rate, args.trials, args.workers)
    if args.db == "sqlite":
        return 0
    base = os.environ.get("MOTORSEQ_TEST_POSTGRES_URL")
    if not base:
        print("postgresql: skipped (MOTORSEQ_TEST_POSTGRES_URL not set; .ci/postgres.sh starts one)")
        return 0
    import psycopg

    name = f"motorseq_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        run(base.rsplit("/", 1)[0] + f"/{name}", args.students, args.rate, args.trials, args.workers)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
