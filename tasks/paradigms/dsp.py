"""Discrete sequence production trials: a fixed sequence of keys per trial, every press logged.

``one-by-one``: each element's position lights up as soon as the previous key was pressed
(response-stimulus interval 0). ``all-at-once``: the whole key sequence is shown and typed.
Under ``first-press`` every press moves on to the next element (errors are logged); under
``until-correct`` an element waits for its key. ``timeout_ms`` applies to each element.
RT is the first press from the sequence onset; execution time is the last press from onset.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..context import RunContext, TrialOutcome
from ..screens import BlockSummary

__all__ = ["run_trial", "draw_between", "summarize"]


def _draw(ctx: RunContext, positions: list[int], keys: list[str], done: int) -> None:
    if ctx.protocol.dsp is not None and ctx.protocol.dsp.stimulus == "all-at-once":
        ctx.screens.draw_sequence(keys, done)
    elif done < len(positions):
        ctx.screens.draw_target(positions[done])
    else:
        ctx.screens.draw_placeholders()


def run_trial(ctx: RunContext, trial: dict[str, Any]) -> TrialOutcome:
    """Run one sequence; return its outcome."""
    response = ctx.protocol.response
    positions = [int(x) for x in str(trial["target"]).split("-")]
    keys = str(trial["correct_key"]).split("-")
    timeout = response.timeout_ms / 1000 if response.timeout_ms else None
    _draw(ctx, positions, keys, 0)
    onset = ctx.stimulus_flip({"kind": "sequence", "sequence": keys, "keys": ctx.protocol.keys, "rule": response.rule})
    presses: list = []
    done = 0
    last = onset
    timed_out = False
    while done < len(keys) and not timed_out:
        _draw(ctx, positions, keys, done)
        now = ctx.flip()
        for press in ctx.poll():
            if press.t_down < onset or done >= len(keys):
                ctx.keep_outside(press, onset)
                continue
            ok = press.key == keys[done]
            presses.append((press, int(ok)))
            if press.key not in ctx.protocol.keys:
                continue
            if not ok:
                ctx.error_signal()
            if ok or response.rule == "first-press":
                done += 1
                last = press.t_down
        if done < len(keys) and timeout is not None and now - last >= timeout:
            timed_out = True
    responses = [(p, ok) for p, ok in presses if p.key in ctx.protocol.keys]
    first = responses[0] if responses else None
    n_errors = sum(1 for _, ok in presses if not ok)
    complete = done == len(keys)
    row = {
        "response": first[0].key if first else None,
        "response_position": ctx.position_of(first[0].key) if first else None,
        "rt": first[0].t_down - onset if first else None,
        "correct": int(complete and n_errors == 0),
        "n_presses": len(presses),
        "n_errors": n_errors,
        "execution_time": last - onset if complete else None,
    }
    end = last if complete else last + timeout
    rest = ctx.protocol.dsp.inter_sequence_ms / 1000 if ctx.protocol.dsp else 0.0
    return TrialOutcome(row=row, presses=presses, onset=onset, end=end, rest_after=rest + response.rsi_ms / 1000)


def draw_between(ctx: RunContext, trial: dict[str, Any], seconds_left: float, n_trials: int) -> None:
    """Between sequences: the empty positions."""
    ctx.screens.draw_placeholders()


def summarize(rows: list[dict[str, Any]]) -> BlockSummary | None:
    """Mean execution time of correct sequences (ms) and the proportion of correct sequences."""
    if not rows:
        return None
    correct = np.array([r["correct"] == 1 for r in rows])
    times = np.array([r["execution_time"] for r in rows if r["correct"] == 1], dtype=float)
    return BlockSummary(
        mean_rt_ms=float(times.mean() * 1000) if times.size else None,
        accuracy=float(correct.mean()),
        rt_text="mean_sequence_time",
    )
