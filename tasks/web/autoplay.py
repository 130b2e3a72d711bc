"""Automated participants for the browser task: real key presses into real pages, and HTTP students.

:func:`play_page` drives a Playwright page through its keyboard (CDP key events through the
browser's input pipeline), answering what the page waits for (``window.motorseq.expect``) after
an ex-Gaussian delay. :func:`http_student` plays a student without a browser: it joins a class
and posts trials as a page would (for class-size tests and the load benchmark).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

__all__ = ["PlayStyle", "http_student", "play_page", "playwright_key"]

_STATE = """() => { const s = window.motorseq; return s ? {phase: s.phase, expect: s.expect, wait: s.wait,
trial: s.trialIndex, acked: s.acked, sent: s.sent, error: s.error} : null; }"""


@dataclass(frozen=True)
class PlayStyle:
    """How the automated participant answers (ms): ex-Gaussian RT, error rate, hold time, learning."""

    mu: float = 120.0
    sigma: float = 20.0
    tau: float = 40.0
    error: float = 0.0
    hold: float = 40.0
    learn: float = 0.0
    seed: int = 1

    def rt(self, rng: random.Random, predictable: bool = False) -> float:
        """Draw one response time (ms)."""
        value = rng.gauss(self.mu, self.sigma) + rng.expovariate(1 / self.tau) - (self.learn if predictable else 0)
        return max(value, 60.0)


def playwright_key(key: str) -> str:
    """Return the Playwright name of a protocol key (``space`` → ``Space``)."""
    return {"space": "Space", "escape": "Escape", "enter": "Enter"}.get(key, key)


async def play_page(page: Any, style: PlayStyle = PlayStyle(), stop_after: int | None = None) -> dict[str, Any]:
    """Answer the page until its run is finished (or ``stop_after`` trials are done); return its state."""
    rng = random.Random(style.seed)
    last_wait = -1
    while True:
        state = await page.evaluate(_STATE)
        if state is None:
            await asyncio.sleep(0.02)
            continue
        if state["phase"] in ("finished", "error"):
            return state
        if stop_after is not None and state["trial"] >= stop_after:
            return state
        if state["expect"] and state["wait"] != last_wait:
            last_wait = state["wait"]
            key = state["expect"]
            if state["phase"] == "trial":
                await asyncio.sleep(style.rt(rng) / 1000)
                if style.error and rng.random() < style.error:
                    key = rng.choice([k for k in "dfjk" if k != key])
            else:
                await asyncio.sleep(0.03)
            await page.keyboard.down(playwright_key(key))
            await asyncio.sleep(style.hold / 1000)
            await page.keyboard.up(playwright_key(key))
        else:
            await asyncio.sleep(0.005)


async def _retry(send: Any, accepted: tuple[int, ...], attempts: int = 100) -> dict[str, Any]:
    """Send until the server accepts (it may be restarting: a page sends its buffer again too)."""
    for _attempt in range(attempts):
        try:
            response = await send()
        except Exception:  # noqa: BLE001 - connection refused or cut while the server restarts
            await asyncio.sleep(0.2)
            continue
        if response.status_code in accepted:
            return response.json()
        if 400 <= response.status_code < 500:
            raise RuntimeError(f"refused with {response.status_code}: {response.text}")
        await asyncio.sleep(0.2)
    raise RuntimeError("never acknowledged")


async def http_student(
    client: Any,
    code: str,
    style: PlayStyle = PlayStyle(),
    rate_hz: float | None = None,
    stop_after: int | None = None,
    start: asyncio.Event | None = None,
    offset_s: float = 0.0,
) -> dict[str, Any]:
    """Join class ``code`` with an ``httpx.AsyncClient`` and post every trial (``rate_hz`` trials a second).

    With ``start``, the student joins, then waits for the event (the whole class has joined) and
    ``offset_s`` more before the first trial (students are not in step with each other).

    Returns
    -------
    dict
        ``token``, ``participant``, ``posted`` (trial indices acknowledged), ``latencies_ms`` of the writes,
        ``join_ms`` (latency of the join) and ``last_ack`` (``time.perf_counter()`` of the last acknowledgement).
    """
    import time

    rng = random.Random(style.seed)
    joining = time.perf_counter()
    data = await _retry(lambda: client.post(f"/api/class/{code}/join", json={}), (201,))
    join_ms = (time.perf_counter() - joining) * 1000
    headers = {"X-Run-Token": data["token"]}
    clock, posted, latencies = 1000.0, [], []
    if start is not None:
        await start.wait()
    await asyncio.sleep(offset_s)
    paced_from = time.perf_counter()
    for trial in data["config"]["trials"]:
        if stop_after is not None and len(posted) >= stop_after:
            break
        predictable = trial["trial_type"] == "sequence"
        rt = style.rt(rng, predictable)
        key = trial["correct_key"] if rng.random() >= style.error else rng.choice("dfjk")
        body = {
            "trial_index": trial["trial_index"],
            "onset_ms": clock,
            "end_ms": clock + rt,
            "presses": [{"key": key, "down_ms": clock + rt, "up_ms": clock + rt + style.hold}],
        }
        started = time.perf_counter()
        await _retry(lambda body=body: client.post("/api/runs/me/trials", json=body, headers=headers), (201, 409))
        latencies.append((time.perf_counter() - started) * 1000)
        posted.append(trial["trial_index"])
        clock += rt + 500
        if rate_hz:  # on a schedule: trial k is sent at k / rate_hz, whatever the writes took
            await asyncio.sleep(max(0.0, paced_from + len(posted) / rate_hz - time.perf_counter()))
    return {
        "token": data["token"],
        "participant": data["participant"],
        "posted": posted,
        "latencies_ms": latencies,
        "join_ms": join_ms,
        "last_ack": time.perf_counter(),
    }
