"""Classroom load benchmark: many simulated students posting trials at once.

    .venv/bin/python tests/benchmarks/classroom_load.py [--students 200] [--rate 4] [--trials 40]

A `motorseq serve --class` process (one uvicorn worker) takes the class; every student joins
with the code and posts its trials at ``--rate`` trials a second (each trial waits for its
acknowledgement, as a page does), over HTTP from one asyncio client. Run against SQLite and,
when ``MOTORSEQ_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it), PostgreSQL.

Printed per database: trials written per second, latency of a trial write (median, p99),
and lost (acknowledged but not in the database) and duplicated trials.
Targets: the offered load (students x rate) sustained, p99 write latency <= 250 ms, 0 lost, 0 duplicated.
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


async def _class(url: str, code: str, students: int, rate: float, trials: int) -> tuple[list[dict], float]:
    import httpx
    from motorseq.tasks.web.autoplay import PlayStyle, http_student

    limits = httpx.Limits(max_connections=students, max_keepalive_connections=students)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                http_student(client, code, PlayStyle(seed=i), rate_hz=rate, stop_after=trials)
                for i in range(students)
            )
        )
        return results, time.perf_counter() - started


def run(db_url: str, students: int, rate: float, trials: int, workers: int = 1) -> bool:
    from motorseq.tasks.web.db import Run, TrialRecord, connect
    from sqlalchemy import func, select

    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "serve.log"
        process, url = _web_server.start(["--class", "--workers", str(workers)], db_url, log)
        try:
            results, seconds = asyncio.run(_class(url, _web_server.class_code(log), students, rate, trials))
        finally:
            _web_server.stop(process)
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
    throughput = len(acknowledged) / seconds
    offered = students * rate
    p99 = float(np.percentile(latencies, 99))
    name = db_url.split(":", 1)[0]
    print(f"{name} ({workers} server processes): {students} students x {trials} trials at {rate:g}/s: "
          f"{len(acknowledged)} trials in {seconds:.1f} s "
          f"= {throughput:.0f} trials/s (offered {offered:.0f}/s); write latency median {np.median(latencies):.1f} ms, "
          f"p99 {p99:.1f} ms; lost {lost}, duplicated {duplicated}")
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
    parser.add_argument("--workers", type=int, default=2, help="server processes (serve --workers)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'load.db'}", args.students, args.rate, args.trials, args.workers)
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
