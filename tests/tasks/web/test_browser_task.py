"""The task in a real browser (system Chromium through Playwright): timing, storage, reload."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from motorseq.protocols import generate_trials, load_protocol
from motorseq.tasks import shorten_protocol
from motorseq.tasks.web.autoplay import PlayStyle, play_page
from motorseq.tasks.web.db import TrialRecord, connect
from PIL import Image
from sqlalchemy import select

from .conftest import SHORT, keep_screenshot


async def _open(chromium_path, url):
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    browser = await pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
    context = await browser.new_context(viewport={"width": 900, "height": 600})
    page = await context.new_page()
    await page.goto(url)
    return pw, browser, context, page


def _trials(db_url):
    db = connect(db_url)
    with db.sessions() as session:
        return list(session.scalars(select(TrialRecord).order_by(TrialRecord.run_id, TrialRecord.trial_index)))


def test_page_runs_the_lab_trial_list_and_stores_every_trial(serve, chromium_path, tmp_path):
    server = serve("--protocol", "classroom", *SHORT)

    async def scenario():
        manager, browser, context, page = await _open(
            chromium_path, f"{server.url}/task?protocol=classroom&participant=07&session=1"
        )
        try:
            await page.wait_for_function("window.motorseq.expect === 'space'")
            await page.keyboard.press("Space")
            await page.wait_for_function("window.motorseq.phase === 'trial' && window.motorseq.expect")
            await page.screenshot(path=str(tmp_path / "task-trial.png"))
            state = await play_page(page, PlayStyle(mu=150, sigma=10, tau=20, seed=3))
            await page.wait_for_function("window.motorseq.curveDrawn >= 2", timeout=10000)
            await page.screenshot(path=str(tmp_path / "task-end.png"))
            onsets = await page.evaluate("window.motorseq.onsets")
            return state, onsets
        finally:
            await browser.close()
            await manager.stop()

    state, onsets = asyncio.run(scenario())
    keep_screenshot(tmp_path / "task-trial.png"), keep_screenshot(tmp_path / "task-end.png")
    assert state["phase"] == "finished", state
    # the first target drawn: its box (position 4 of 4 for participant 07's first trial) is filled
    expected = generate_trials(shorten_protocol(load_protocol("classroom"), 4), "07")
    shot = np.asarray(Image.open(tmp_path / "task-trial.png").convert("L"), dtype=float)
    h, w = shot.shape
    size, step = 0.1 * h, 0.2 * h
    centres = [w / 2 + (i - 1.5) * step for i in range(4)]
    rows = slice(int(h / 2 - size / 4), int(h / 2 + size / 4))
    darkness = [shot[rows, int(c - size / 4) : int(c + size / 4)].mean() for c in centres]
    target = int(expected["target"].iloc[0]) - 1
    assert darkness[target] < 30 and all(d > 100 for i, d in enumerate(darkness) if i != target), darkness
    stored = _trials(server.db)
    assert [t.trial_index for t in stored] == list(range(1, len(expected) + 1))
    assert [t.row["target"] for t in stored] == list(expected["target"])
    rts = np.array([t.rt_ms for t in stored])
    # the bot presses 150 ms (+ a 20 ms exponential tail) after it saw the target: RT in the page is near that
    assert np.all((rts > 100) & (rts < 800)), rts
    assert all(t.correct == 1 for t in stored)
    assert len(onsets) == len(expected)
    # the frame timestamps are on the page clock and increase
    assert np.all(np.diff(onsets) > 0)
    # every trial carries the page's frame counts; the export pools them per block
    assert all(t.frames["intervals"] >= 3 for t in stored), [t.frames for t in stored]
    from motorseq.tasks.web.export import export_runs

    written = export_runs(connect(server.db), tmp_path / "bids")
    sidecar = json.loads(written[0].with_name(written[0].name.replace("_beh.tsv", "_beh.json")).read_text())
    per_block = sidecar["Extra"]["FrameStatisticsPerBlock"]
    assert [b["Block"] for b in per_block] == sorted(set(expected["block"]))
    assert sum(b["Frames"] for b in per_block) == sum(t.frames["intervals"] for t in stored)
    assert all(5 < b["FrameIntervalMeanMs"] < 60 for b in per_block), per_block  # a 60 Hz virtual display


def test_reload_mid_run_resends_the_buffer_and_continues(serve, chromium_path):
    server = serve("--protocol", "classroom", *SHORT)
    url = f"{server.url}/task?protocol=classroom&participant=08&session=1"

    async def scenario():
        manager, browser, context, page = await _open(chromium_path, url)
        try:
            # the server refuses (connection aborted) trials 6 on: they stay in the page's buffer
            await play_page(page, PlayStyle(seed=4), stop_after=5)
            await page.route("**/api/runs/me/trials", lambda route: route.abort())
            await play_page(page, PlayStyle(seed=5), stop_after=8)
            pending = await page.evaluate(
                "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':pending'))))"
            )
            await page.unroute("**/api/runs/me/trials")
            await page.reload()
            state = await play_page(page, PlayStyle(seed=6))
            return pending, state
        finally:
            await browser.close()
            await manager.stop()

    pending, state = asyncio.run(scenario())
    assert state["phase"] == "finished"
    assert len(pending) >= 2  # unacknowledged trials were kept in the page
    stored = _trials(server.db)
    indices = [t.trial_index for t in stored]
    assert indices == sorted(set(indices))  # no duplicate
    n = len(generate_trials(shorten_protocol(load_protocol("classroom"), 4), "08"))
    # every trial the page finished was stored: the buffered ones after the reload, and the rest;
    # the trial in progress at the reload was run again from its start (as the lab task resumes)
    assert indices == list(range(1, n + 1))
    assert {t.segment for t in stored} == {1, 2}


@pytest.mark.slow  # ~30 s each: a browser run of each multi-key paradigm
@pytest.mark.parametrize("protocol", ["dsp", "ftt"])
def test_dsp_and_ftt_run_in_the_browser(serve, chromium_path, protocol):
    short = ["--max-trials-per-block", "2", "--max-blocks", "2", "--max-trial-seconds", "2"]
    server = serve("--protocol", protocol, *short)
    # FTT: one block of two 2-s tapping periods; DSP: a practice and a sequence block of two sequences

    async def scenario():
        url = f"{server.url}/task?protocol={protocol}&participant=3"
        manager, browser, context, page = await _open(chromium_path, url)
        try:
            return await play_page(page, PlayStyle(mu=40, sigma=5, tau=10, hold=20, seed=7))
        finally:
            await browser.close()
            await manager.stop()

    state = asyncio.run(scenario())
    assert state["phase"] == "finished", state
    stored = _trials(server.db)
    assert len(stored) == {"dsp": 4, "ftt": 2}[protocol]
    if protocol == "dsp":
        assert all(t.row["correct"] == 1 and t.row["execution_time"] > 0 for t in stored)
    else:
        assert all(t.row["n_presses"] >= 3 for t in stored)
        assert sum(t.row["n_correct_sequences"] for t in stored) >= 1
