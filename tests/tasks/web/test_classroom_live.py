"""A live class of 30 on a shortened protocol: 5 real pages, 25 HTTP students, a page closing and
rejoining, the server SIGKILLed and restarted, the teacher's live page, and the export."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import numpy as np
import pandas as pd
import pytest
from motorseq.tasks.web.autoplay import PlayStyle, http_student, play_page
from motorseq.tasks.web.db import Run, TrialRecord, connect
from PIL import Image
from sqlalchemy import select

from .conftest import keep_screenshot

SHORT = ["--max-trials-per-block", "2"]
N_PAGES, N_HTTP = 5, 25


def _drawn(path) -> int:
    """Number of distinct colours in a screenshot (a blank canvas has one or two)."""
    return len(set(Image.open(path).convert("RGB").getdata()))


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)], indirect=True
)  # ~50 s each: the PostgreSQL run is in the slow set (the API tests cover PostgreSQL by default)
def test_a_class_of_30_survives_a_closed_page_and_a_server_kill(
    serve, chromium_path, database_url, tmp_path, bids_validator
):
    server = serve("--class", *SHORT, db=database_url)
    code, token = server.class_code()

    async def scenario():
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        try:
            teacher = await (await browser.new_context(viewport={"width": 1400, "height": 800})).new_page()
            await teacher.goto(f"{server.url}/teacher/{code}?token={token}")
            contexts = [await browser.new_context(viewport={"width": 800, "height": 500}) for _ in range(N_PAGES)]
            pages = [await c.new_page() for c in contexts]
            for page in pages:
                await page.goto(f"{server.url}/c/{code}")
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                students = [
                    asyncio.create_task(http_student(client, code, PlayStyle(mu=400, learn=60, seed=i), rate_hz=8))
                    for i in range(N_HTTP)
                ]
                plays = [asyncio.create_task(play_page(p, PlayStyle(seed=100 + i))) for i, p in enumerate(pages[1:])]
                # page 0 closes mid-run and is opened again (the same browser profile: its token and buffer)
                await play_page(pages[0], PlayStyle(seed=100), stop_after=6)
                await pages[0].close()
                reopened = await contexts[0].new_page()
                await reopened.goto(f"{server.url}/c/{code}")
                plays.append(asyncio.create_task(play_page(reopened, PlayStyle(seed=200))))
                # the server is killed mid-class and started again with the same class
                await asyncio.sleep(1.5)
                server.kill()
                await asyncio.sleep(1.0)
                server.args = ["--class", "--code", code, *SHORT]
                await asyncio.to_thread(server.start)
                states = await asyncio.gather(*plays)
                acknowledged = await asyncio.gather(*students)
            await teacher.wait_for_function(
                f"window.teacher.last && window.teacher.last.counts.finished === {N_PAGES + N_HTTP}", timeout=30000
            )
            live = await teacher.evaluate("window.teacher")
            numbers = [await teacher.inner_text(f"#{k}") for k in ("joined", "running", "finished")]
            await teacher.screenshot(path=str(tmp_path / "teacher.png"))
            await reopened.screenshot(path=str(tmp_path / "student.png"))
            return states, acknowledged, live, numbers
        finally:
            await browser.close()
            await pw.stop()

    states, acknowledged, live, numbers = asyncio.run(scenario())
    assert all(s["phase"] == "finished" for s in states), states
    db = connect(database_url)
    with db.sessions() as session:
        runs = list(session.scalars(select(Run)))
        records = list(session.scalars(select(TrialRecord)))
    assert len(runs) == N_PAGES + N_HTTP
    by_run = pd.DataFrame([(r.run_id, r.trial_index) for r in records], columns=["run", "index"])
    n_trials = runs[0].n_trials
    # every run complete, no trial twice, none lost (the acknowledged ones of the HTTP students included)
    assert not by_run.duplicated().any()
    assert (by_run.groupby("run")["index"].apply(sorted).map(lambda x: x == list(range(1, n_trials + 1)))).all()
    tokens = {r.token: r.id for r in runs}
    for student in acknowledged:
        stored = set(by_run[by_run.run == tokens[student["token"]]]["index"])
        assert set(student["posted"]) <= stored
    # the teacher's page shows the live numbers, the pooled curve and 30 effect dots
    assert numbers == [str(N_PAGES + N_HTTP), "0", str(N_PAGES + N_HTTP)]
    assert live["drawn"]["curve"] == sum(1 for c in live["last"]["curve"]) and live["drawn"]["curve"] >= 5
    assert live["drawn"]["effects"] == N_PAGES + N_HTTP
    assert live["updates"] >= 2
    keep_screenshot(tmp_path / "teacher.png"), keep_screenshot(tmp_path / "student.png")
    assert _drawn(tmp_path / "teacher.png") > 20 and _drawn(tmp_path / "student.png") > 5

    # export with the command, then the same measures from the files as from the database
    out = tmp_path / "bids"
    export = [sys.executable, "-m", "motorseq.protocols", "export", "--db", database_url, "--out", str(out)]
    subprocess.run(export, check=True, capture_output=True, timeout=120)
    validated = subprocess.run([bids_validator, str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert json.loads(validated.stdout)["issues"]["errors"] == []
    from motorseq.analysis.loaders import load_dataset

    trials = load_dataset([out]).trials
    assert trials["participant"].nunique() == N_PAGES + N_HTTP
    exported = trials[trials.correct == 1].groupby(["participant", "block"])["rt_ms"].mean()
    participants = {r.id: r.participant for r in runs}
    table = pd.DataFrame([(participants[r.run_id], r.block, r.rt_ms, r.correct) for r in records])
    table.columns = ["participant", "block", "rt_ms", "correct"]
    from_db = table[table.correct == 1].groupby(["participant", "block"])["rt_ms"].mean()
    np.testing.assert_allclose(exported.sort_index().to_numpy(), from_db.sort_index().to_numpy(), atol=1e-3)
    sidecars = [json.loads(p.read_text()) for p in out.rglob("*_beh.json")]
    assert {s["Source"]["Type"] for s in sidecars} == {"browser"}
    assert {s["RunStatus"] for s in sidecars} == {"complete"}
