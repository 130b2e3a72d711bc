"""What the controller steps through (elements) and how its records become a person's rows.

An *element* is one stimulus and one response of the network. A trial of SRT and ASRT is one
element. A DSP trial is a sequence of elements (each stimulus appears at the previous key
press, the response-stimulus interval within a sequence is 0 as in the lab task); a finger
tapping trial is one pass through the displayed sequence that the controller repeats until
the tapping period is over. :func:`element_plan` lays a trial list out as elements (targets,
the pause before each, the multi-key segments and the task timing); :func:`multikey_rows`
turns the controller's element records back into one ``_beh.tsv`` row per trial and one
``_events.tsv`` row per key press, scored exactly as the PsychoPy task scores a person
(:mod:`motorseq.tasks.paradigms.dsp`, :mod:`motorseq.tasks.paradigms.ftt`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from motorseq.protocols.scoring import score_taps

from .errors import ModelError
from .runtime_values import TaskTiming, rest_schedule
from .timing import pacing_plan, sct_timing

__all__ = ["ElementPlan", "MULTIKEY_PARADIGMS", "element_plan", "multikey_rows"]

#: Paradigms whose trials are several key presses.
MULTIKEY_PARADIGMS = ("dsp", "ftt")

#: Timeout used when a protocol has none (s): long enough never to cut a real response.
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ElementPlan:
    """A trial list laid out for the controller.

    Attributes
    ----------
    targets : ndarray of int
        0-based target channel of every element.
    pauses : ndarray of float
        Rest (s) before every element and, last, after the final one.
    segments : ndarray of int
        Number of elements of the multi-key trial that starts at each element, 0 elsewhere.
    trial_of : ndarray of int
        Row of the trial list each element belongs to.
    trial_pauses : ndarray of float
        Rest (s) before every trial and, last, after the final one (activity windows).
    timing : TaskTiming
        Response-stimulus interval, timeout, response rule, looping and tapping period.
    paces : ndarray of float
        Metronome inter-onset interval (s) of every element: 0 self-paced, < 0 the tempo ramp.
    block_of : ndarray of int
        Block number of every element.
    """

    targets: np.ndarray
    pauses: np.ndarray
    segments: np.ndarray
    trial_of: np.ndarray
    trial_pauses: np.ndarray
    timing: TaskTiming
    paces: np.ndarray | None = None
    block_of: np.ndarray | None = None


def _positions(protocol: Any, trials: pd.DataFrame) -> list[list[int]]:
    """0-based positions of every trial's target (``"4-1-3"`` for multi-key trials)."""
    name = getattr(protocol, "name", "protocol")
    if "target" not in trials.columns or "trial_index" not in trials.columns:
        raise ModelError(f"{name}: trial list: needs the columns 'target' and 'trial_index'")
    n_pos = len(protocol.positions)
    out = []
    for text in trials["target"].astype(str):
        try:
            items = [int(x) for x in text.split("-")]
        except ValueError:
            raise ModelError(f"{name}: trial list: target: {text!r} is not positions joined by '-'") from None
        bad = [x for x in items if not 1 <= x <= n_pos]
        if bad:
            raise ModelError(f"{name}: trial list: target: {bad[0]} is not a position 1..{n_pos}")
        out.append([x - 1 for x in items])
    return out


def element_plan(protocol: Any, trials: pd.DataFrame, rest_s: float) -> ElementPlan:
    """Lay a trial list out as the controller's elements.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The protocol (paradigm, response rule, RSI, timeout, DSP and FTT settings, breaks).
    trials : DataFrame
        The trial list (:func:`motorseq.protocols.generate_trials`).
    rest_s : float
        The model's rest before the first trial, at the protocol's breaks and after the last
        trial (:func:`~motorseq.models.runtime_values.rest_schedule`).

    Returns
    -------
    ElementPlan
    """
    name = getattr(protocol, "name", "protocol")
    paradigm = getattr(protocol, "paradigm", None)
    positions = _positions(protocol, trials)
    if not positions:
        raise ModelError(f"{name}: trial list: is empty")
    response = protocol.response
    timeout_ms = getattr(response, "timeout_ms", None)
    breaks = getattr(protocol, "breaks", None)
    blocks = trials["block"].to_numpy() if "block" in trials.columns else np.ones(len(trials), dtype=int)
    trial_pauses = rest_schedule(
        blocks, rest_s, int(getattr(breaks, "every_blocks", 1)), float(getattr(breaks, "min_s", 0.0))
    )
    multikey = paradigm in MULTIKEY_PARADIGMS
    if paradigm == "sct":  # a tapping series is one element; its keys are assigned to the taps (timing.py)
        positions = [p[:1] for p in positions]
    if not multikey and any(len(p) != 1 for p in positions):
        raise ModelError(f"{name}: trial list: target: {paradigm} trials have one position each")
    between = 0.0  # interval between multi-key trials (s), besides the protocol's breaks
    if paradigm == "dsp":
        between = float(protocol.dsp.inter_sequence_ms + response.rsi_ms) / 1000.0
    elif paradigm == "ftt":
        between = float(protocol.ftt.rest_s)
    elif paradigm == "sct":
        between = float(protocol.sct.rest_s)
    trial_pauses[1:-1] = np.maximum(trial_pauses[1:-1], between)
    lengths = np.array([len(p) for p in positions])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    n_elements = int(lengths.sum())
    pauses = np.zeros(n_elements + 1)
    pauses[starts] = trial_pauses[:-1]
    pauses[-1] = trial_pauses[-1]
    segments = np.zeros(n_elements, dtype=np.int32)
    if multikey:
        segments[starts] = lengths
    paces, ramp = pacing_plan(protocol, blocks)
    timing = TaskTiming(
        rsi_s=0.0 if multikey or paradigm == "sct" else float(response.rsi_ms) / 1000.0,
        timeout_s=float(timeout_ms) / 1000.0 if timeout_ms else DEFAULT_TIMEOUT_S,
        until_correct=getattr(response, "rule", "first-press") == "until-correct",
        loop=paradigm == "ftt",
        tap_s=float(protocol.ftt.tap_s) if paradigm == "ftt" else 0.0,
        **ramp,
        **sct_timing(protocol),
    )
    return ElementPlan(
        paces=np.repeat(paces, lengths),
        block_of=np.repeat(np.asarray(blocks, dtype=np.int32), lengths),
        targets=np.concatenate([np.asarray(p, dtype=np.int64) for p in positions]),
        pauses=pauses,
        segments=segments,
        trial_of=np.repeat(np.arange(len(positions)), lengths),
        trial_pauses=trial_pauses,
        timing=timing,
    )


def _element_presses(rec: dict[str, np.ndarray], k: int, until_correct: bool) -> list[tuple]:
    """(time, 0-based position) of the key presses of element record ``k`` that are known.

    The first press of every element; under ``until-correct`` also the correct press that
    ended it, the trial's motor time (``t_nd_trial``) after its threshold crossing (presses in between
    are counted in ``npress`` but their times are not recorded).
    """
    if rec["resp"][k] < 0:
        return []
    presses = [(rec["t_on"][k] + rec["rt"][k], int(rec["resp"][k]))]
    if until_correct and rec["npress"][k] > 1 and not rec["timed_out"][k]:
        presses.append((rec["t_resp"][k] + rec["t_nd_trial"][k], int(rec["tgt"][k])))
    return presses


def multikey_rows(
    protocol: Any, trials: pd.DataFrame, plan: ElementPlan, raw: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn the controller's element records into a person's DSP or FTT rows and key presses.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The protocol (paradigm, keys, tapping period).
    trials : DataFrame
        The trial list that was simulated.
    plan : ElementPlan
        Its element layout (:func:`element_plan`).
    raw : motorseq.models.engine.RawRun
        The run's records (``trials``: one per element; ``periods``: the end of every tapping period).

    Returns
    -------
    responses : DataFrame
        One row per trial: ``trial_index, stimulus_onset, response_position, rt, correct,
        n_presses, n_errors, execution_time, n_correct_sequences`` (s from the start of the run;
        DSP: ``correct`` is the whole sequence, ``execution_time`` the last press from onset;
        FTT: taps that went down within the tapping period, ``correct`` n/a).
    presses : DataFrame
        One row per key press: ``trial_index, onset, position`` (1-based), ``rt`` (from the
        trial's onset), ``correct`` (the key expected at that point).
    """
    name = getattr(protocol, "name", "protocol")
    ftt = protocol.paradigm == "ftt"
    rec = raw.trials
    order = np.argsort(rec["t_record"], kind="stable")
    rec = {k: np.asarray(v)[order] for k, v in rec.items()}
    owner = plan.trial_of[rec["seg_start"]] if rec["seg_start"].size else np.zeros(0, dtype=int)
    onsets = np.full(len(trials), np.nan)
    if ftt:
        ends = raw.periods
        onsets[plan.trial_of[ends["seg_start"]]] = ends["period_end"] - plan.timing.tap_s
    until_correct = plan.timing.until_correct
    keys = list(protocol.keys)
    rows, press_rows = [], []
    for i, trial in enumerate(trials.itertuples(index=False)):
        mine = np.flatnonzero(owner == i)
        if not ftt and mine.size:
            onsets[i] = rec["t_on"][mine[0]]
        if np.isnan(onsets[i]):
            raise ModelError(f"{name}: simulation: trial {trial.trial_index} was never shown")
        onset = float(onsets[i])
        presses = [p for k in mine for p in _element_presses(rec, k, until_correct)]
        sequence = [int(x) - 1 for x in str(trial.target).split("-")]
        row = {"trial_index": int(trial.trial_index), "stimulus_onset": round(onset, 6)}
        if ftt:
            presses = [p for p in presses if p[0] < onset + plan.timing.tap_s]
            flags, n_correct = score_taps([keys[pos] for _, pos in presses], [keys[pos] for pos in sequence])
            row.update(correct=pd.NA, n_errors=len(flags) - sum(flags), execution_time=np.nan,
                       n_correct_sequences=n_correct, n_presses=len(presses))  # fmt: skip
        else:
            flags = []
            for k in mine:
                want = sequence[int(rec["trial"][k] - rec["seg_start"][k])]
                flags += [int(pos == want) for _, pos in _element_presses(rec, k, until_correct)]
            n_presses = int(rec["npress"][mine].sum())
            ended_by_press = int((rec["timed_out"][mine] == 0).sum())
            complete = mine.size == len(sequence) and ended_by_press == mine.size
            # until-correct: every press but the one that ended an element was wrong
            n_errors = n_presses - ended_by_press if until_correct else len(flags) - sum(flags)
            row.update(
                correct=int(complete and n_errors == 0), n_errors=n_errors, n_presses=n_presses,
                execution_time=round(presses[-1][0] - onset, 6) if complete else np.nan,
                n_correct_sequences=pd.NA,
            )  # fmt: skip
        first = presses[0] if presses else None
        row["response_position"] = first[1] + 1 if first else pd.NA
        row["rt"] = round(first[0] - onset, 6) if first else np.nan
        rows.append(row)
        for (time, pos), ok in zip(presses, flags, strict=True):
            press_rows.append(
                {"trial_index": row["trial_index"], "onset": round(time, 6), "position": pos + 1,
                 "rt": round(time - onset, 6), "correct": int(ok)}
            )  # fmt: skip
    responses = pd.DataFrame(rows)
    responses = responses.astype(
        {
            "response_position": "Int64", "rt": "Float64", "correct": "Int64", "n_presses": "int64",
            "n_errors": "int64", "execution_time": "Float64", "n_correct_sequences": "Int64",
        }
    )  # fmt: skip
    columns = ["trial_index", "stimulus_onset", "response_position", "rt", "correct", "n_presses", "n_errors",
               "execution_time", "n_correct_sequences"]  # fmt: skip
    press_table = pd.DataFrame(press_rows, columns=["trial_index", "onset", "position", "rt", "correct"])
    return responses[columns], press_table
