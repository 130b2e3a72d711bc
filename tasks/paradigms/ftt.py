"""Finger tapping trials (Walker et al., 2002): type the sequence over and over for ``tap_s``.

Every tap is logged with its time. Taps are scored against the sequence as it is typed: a tap
of the expected key moves on (a completed pass counts one correct sequence); a wrong tap is an
error and scoring starts the sequence again (from its second element if the tap was its first
key). A tap counts for the trial if it went down within the tapping period. A rest screen with
a countdown follows each trial for ``rest_s``.
"""

from __future__ import annotations

from typing import Any

from motorseq.protocols.scoring import score_taps

from ..context import RunContext, TrialOutcome

__all__ = ["run_trial", "draw_between", "summarize", "score_taps"]


def run_trial(ctx: RunContext, trial: dict[str, Any]) -> TrialOutcome:
    """Run one tapping period; return its outcome."""
    settings = ctx.protocol.ftt
    keys = str(trial["correct_key"]).split("-")
    n_trials = int(trial.get("n_trials_in_block", 0)) or 1
    number = int(trial["trial"])
    ctx.screens.draw_tapping(keys, 0, number, n_trials)
    onset = ctx.stimulus_flip({"kind": "tapping", "sequence": keys, "keys": ctx.protocol.keys, "until": settings.tap_s})
    end = onset + settings.tap_s
    taps = []
    last_flip = onset
    while True:
        if last_flip + 1.5 * ctx.period >= end:  # the next frame ends the tapping period
            if number < n_trials and settings.rest_s > 0:
                ctx.screens.draw_rest(settings.rest_s, number + 1, n_trials)
            ctx.flip()
            finished = True
        else:
            ctx.screens.draw_tapping(keys, len(taps), number, n_trials)
            last_flip = ctx.flip()
            finished = False
        for press in ctx.poll():
            if onset <= press.t_down < end:
                taps.append(press)
            else:
                ctx.keep_outside(press, onset)
        if finished:
            break
    flags, n_correct = score_taps([t.key for t in taps], keys)
    first = taps[0] if taps else None
    row = {
        "response": first.key if first else None,
        "response_position": ctx.position_of(first.key) if first else None,
        "rt": first.t_down - onset if first else None,
        "correct": None,
        "n_presses": len(taps),
        "n_errors": len(flags) - sum(flags),
        "n_correct_sequences": n_correct,
    }
    presses = list(zip(taps, flags, strict=True))
    return TrialOutcome(row=row, presses=presses, onset=onset, end=end, rest_after=settings.rest_s)


def draw_between(ctx: RunContext, trial: dict[str, Any], seconds_left: float, n_trials: int) -> None:
    """Draw the rest period, with a countdown to the next trial."""
    ctx.screens.draw_rest(seconds_left, int(trial["trial"]) + 1, n_trials)


def summarize(rows: list[dict[str, Any]]):
    """Finger tapping shows no block feedback."""
    return None
