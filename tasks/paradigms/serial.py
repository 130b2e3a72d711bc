"""SRT and ASRT trials: one target, answered by its key.

The target is flipped on; RT is the first press's own timestamp minus that flip time. Under
``first-press`` the first press ends the trial; under ``until-correct`` the target stays until
its key is pressed and every wrong press is logged. No response by ``timeout_ms`` ends the trial.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..context import RunContext, TrialOutcome
from ..metronome import FLASH_S
from ..screens import BlockSummary

__all__ = ["run_trial", "draw_between", "summarize"]


def _predictable(trial: dict[str, Any]) -> bool:
    if trial["triplet_type"] not in ("n/a", "", None):
        return trial["triplet_type"] == "H"
    return trial["trial_type"] == "sequence"


def run_trial(ctx: RunContext, trial: dict[str, Any]) -> TrialOutcome:
    """Run one trial; return its outcome (nothing is written here)."""
    response = ctx.protocol.response
    position = int(trial["target"])
    correct_key = str(trial["correct_key"])
    timeout = response.timeout_ms / 1000 if response.timeout_ms else None
    ioi = trial.get("ioi")  # paced: the stimulus comes on the beat, the response window ends at the next
    click = None
    if ioi is not None:
        timeout = ioi
        click = ctx.window.last_flip + ctx.period  # the frame this stimulus flips on
        ctx.metronome.schedule_click(ctx.keys.absolute(click))
        ctx.metronome.draw(True)
    ctx.screens.draw_target(position)
    onset = ctx.stimulus_flip(
        {
            "kind": "serial",
            "key": correct_key,
            "keys": ctx.protocol.keys,
            "rule": response.rule,
            "deadline": timeout,
            "predictable": _predictable(trial),
        }
    )
    presses: list = []
    end = None
    while end is None:
        if ioi is not None:
            ctx.metronome.draw(ctx.window.last_flip + ctx.period - onset < FLASH_S)
        ctx.screens.draw_target(position)
        now = ctx.flip()
        for press in ctx.poll():
            if press.t_down < onset or end is not None:
                ctx.keep_outside(press, onset)  # before this stimulus, or after the response
                continue
            is_response = press.key in ctx.protocol.keys
            ok = press.key == correct_key
            presses.append((press, int(ok)))
            if not is_response:
                continue
            if not ok:
                ctx.error_signal()
            if ok or response.rule == "first-press":
                end = press.t_down
        if end is None and timeout is not None and now - onset >= timeout:
            end = onset + timeout
    responses = [(p, ok) for p, ok in presses if p.key in ctx.protocol.keys]
    first = responses[0] if responses else None
    row = {
        "response": first[0].key if first else None,
        "response_position": ctx.position_of(first[0].key) if first else None,
        "rt": first[0].t_down - onset if first else None,
        "correct": first[1] if first else 0,
        "n_presses": len(presses),
        "n_errors": sum(1 for _, ok in presses if not ok),
    }
    rest_after = response.rsi_ms / 1000
    if ioi is not None:  # the next stimulus is on the next beat of the block's beat clock (no drift)
        row.update(ioi=ioi, click_onset=click - ctx.run_start)
        number = int(trial["trial"])
        if number == 1 or ctx.beat_zero is None:
            ctx.beat_zero = onset - (number - 1) * ioi
        rest_after = max(0.0, ctx.beat_zero + number * ioi - end)
    return TrialOutcome(row=row, presses=presses, onset=onset, end=end, rest_after=rest_after)


def draw_between(ctx: RunContext, trial: dict[str, Any], seconds_left: float, n_trials: int) -> None:
    """Draw the response-stimulus interval: the empty positions (and the unlit metronome when paced)."""
    if trial.get("ioi") is not None:
        ctx.metronome.draw(False)
    ctx.screens.draw_placeholders()


def summarize(rows: list[dict[str, Any]]) -> BlockSummary | None:
    """Mean RT of correct trials (ms) and accuracy of one block."""
    if not rows:
        return None
    correct = np.array([r["correct"] == 1 for r in rows])
    rts = np.array([r["rt"] for r in rows if r["correct"] == 1 and r["rt"] is not None], dtype=float)
    return BlockSummary(mean_rt_ms=float(rts.mean() * 1000) if rts.size else None, accuracy=float(correct.mean()))
