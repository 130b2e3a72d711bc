"""Synchronisation-continuation tapping: tap with the metronome, then keep its tempo without it.

A trial shows the key(s) to tap. The metronome beats ``sync_beats`` times (the first beat is the
trial's onset, ``click_onset``), then stops; the participant goes on for
``continuation_beats`` more taps. The trial lasts until half an interval after the last
expected tap. Every tap is logged (``_events.tsv``: time from the first beat in ``rt``); a tap
of the key expected at that point of the sequence is correct (one key: every tap of it).
"""

from __future__ import annotations

from typing import Any

from motorseq.protocols.scoring import score_taps

from ..context import RunContext, TrialOutcome
from ..metronome import FLASH_S

__all__ = ["run_trial", "draw_between", "summarize"]


def run_trial(ctx: RunContext, trial: dict[str, Any]) -> TrialOutcome:
    """Run one synchronisation-continuation series; return its outcome."""
    settings = ctx.protocol.sct
    ioi = settings.ioi_ms / 1000
    keys = str(trial["correct_key"]).split("-")
    n_trials = int(trial.get("n_trials_in_block", 0)) or 1
    number = int(trial["trial"])
    n_taps = settings.sync_beats + settings.continuation_beats
    first = ctx.window.last_flip + ctx.period
    ctx.metronome.schedule_click(ctx.keys.absolute(first))
    ctx.metronome.draw(True)
    ctx.screens.draw_tapping(keys, 0, number, n_trials)
    onset = ctx.stimulus_flip(
        {
            "kind": "sct",
            "ioi": ioi,
            "n_taps": n_taps,
            "sync_beats": settings.sync_beats,
            "sequence": keys,
            "keys": ctx.protocol.keys,
        }
    )
    beats = [first + k * ioi for k in range(settings.sync_beats)]
    end = onset + (n_taps - 0.5) * ioi
    scheduled = 0
    taps = []
    while True:
        upcoming = ctx.window.last_flip + ctx.period
        if upcoming >= end:
            break
        while scheduled + 1 < len(beats) and beats[scheduled + 1] - upcoming < 3 * ctx.period:
            scheduled += 1  # schedule each click a few frames ahead (one sound object)
            ctx.metronome.schedule_click(ctx.keys.absolute(beats[scheduled]))
        lit = any(0 <= upcoming - b < FLASH_S for b in beats)
        ctx.metronome.draw(lit)
        ctx.screens.draw_tapping(keys, len(taps), number, n_trials)
        ctx.flip()
        for press in ctx.poll():
            if onset - ioi / 2 <= press.t_down < end:
                taps.append(press)
            else:
                ctx.keep_outside(press, onset)
    if len(keys) == 1:
        flags = [p.key == keys[0] for p in taps]
    else:
        flags, _ = score_taps([p.key for p in taps], keys)
    first_tap = next((p for p in taps if p.t_down >= onset), None)  # rt: the first tap from the first beat on
    row = {
        "response": first_tap.key if first_tap else None,
        "response_position": ctx.position_of(first_tap.key) if first_tap else None,
        "rt": first_tap.t_down - onset if first_tap else None,
        "correct": None,
        "n_presses": len(taps),
        "n_errors": len(flags) - sum(flags),
        "ioi": ioi,
        "click_onset": first - ctx.run_start,
        "sync_beats": settings.sync_beats,
    }
    presses = [(p, int(ok)) for p, ok in zip(taps, flags, strict=True)]
    return TrialOutcome(row=row, presses=presses, onset=onset, end=end, rest_after=settings.rest_s)


def draw_between(ctx: RunContext, trial: dict[str, Any], seconds_left: float, n_trials: int) -> None:
    """Draw the rest between series, with a countdown."""
    ctx.screens.draw_rest(seconds_left, int(trial["trial"]) + 1, n_trials)


def summarize(rows: list[dict[str, Any]]):
    """Tapping shows no block feedback."""
    return None
