"""Paced blocks and synchronisation-continuation tapping: the controller's plan and a person's rows.

Paced blocks (``blocks.pace``): :func:`pacing_plan` gives every trial the metronome interval of
its block (fixed tempo) or marks it as a block of the protocol's tempo ramp, whose tempo the
network's controller sets block by block from the previous block's accuracy, as the lab task
does (:mod:`motorseq.tasks.pacing`). :func:`paced_columns` adds the tempo each paced trial ran at
(``ioi``, ``click_onset``) to the model's rows.

Tapping (``sct``): one controller element per series (:func:`sct_timing`); the taps come from
the SMA timer population inside the simulation (:mod:`.network`). :func:`sct_rows` turns the
recorded taps into the rows and key presses a person's run writes
(:mod:`motorseq.tasks.paradigms.sct`): the taps that went down within the series' window, the
key of each tap the next key of the displayed sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from motorseq.protocols.scoring import score_taps

from .errors import ModelError, ModelNotImplementedError

__all__ = ["pacing_plan", "sct_timing", "paced_columns", "sct_rows"]


def _expanded_blocks(protocol: Any) -> list[Any]:
    """Return the protocol's blocks with repeats written out (block *n* of the run is item *n − 1*)."""
    return [block for block in protocol.blocks for _ in range(block.repeat)]


def pacing_plan(protocol: Any, blocks: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Metronome interval of every trial and the protocol's tempo ramp.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The protocol (its blocks' ``pace``).
    blocks : ndarray of int
        Block number (1-based) of every trial.

    Returns
    -------
    paces : ndarray of float
        Inter-onset interval (s) of every trial: 0 self-paced, > 0 a fixed tempo, −1 the ramp.
    ramp : dict
        ``ramp_start_s``, ``ramp_target_s``, ``ramp_step_s``, ``ramp_criterion`` (of
        :class:`~motorseq.models.runtime_values.TaskTiming`); empty without a ramp.

    Raises
    ------
    ModelNotImplementedError
        For a protocol with two different tempo ramps (the controller holds one tempo).
    """
    name = getattr(protocol, "name", "protocol")
    specs = _expanded_blocks(protocol)
    paces = np.zeros(len(blocks))
    ramps = set()
    for i, block in enumerate(np.asarray(blocks, dtype=int)):
        pace = specs[block - 1].pace if 1 <= block <= len(specs) else None
        if pace is None:
            continue
        if pace.target_ioi_ms is None:
            paces[i] = pace.ioi_ms / 1000.0
        else:
            paces[i] = -1.0
            ramps.add((pace.ioi_ms, pace.target_ioi_ms, pace.step_ms, pace.criterion))
    if len(ramps) > 1:
        raise ModelNotImplementedError(
            f"{name}: blocks.pace: the spiking model holds one tempo ramp per protocol, this one has {len(ramps)}"
        )
    if not ramps:
        return paces, {}
    start, target, step, criterion = ramps.pop()
    return paces, {
        "ramp_start_s": start / 1000.0,
        "ramp_target_s": target / 1000.0,
        "ramp_step_s": step / 1000.0,
        "ramp_criterion": float(criterion),
    }


def sct_timing(protocol: Any) -> dict[str, Any]:
    """Tapping settings of :class:`~motorseq.models.runtime_values.TaskTiming` (empty unless ``sct``)."""
    if getattr(protocol, "paradigm", None) != "sct":
        return {}
    settings = protocol.sct
    ioi = settings.ioi_ms / 1000.0
    n_taps = settings.sync_beats + settings.continuation_beats
    return {"sct": True, "sct_ioi_s": ioi, "sync_beats": int(settings.sync_beats), "sct_len_s": (n_taps - 0.5) * ioi}


def paced_columns(responses: pd.DataFrame, raw: Any) -> pd.DataFrame:
    """Add ``ioi`` (s) and ``click_onset`` of the paced trials to one-element-per-trial rows.

    The tempo is the one the controller ran each trial at (a ramp's tempo follows the
    accuracy of the blocks before); self-paced trials get NaN, as a person's run writes.
    """
    order = np.argsort(raw.timing["paced_trial"], kind="stable")
    ioi = np.asarray(raw.timing["paced_ioi"], dtype=float)[order]
    if ioi.size != len(responses):
        raise ModelError(f"simulation: {ioi.size} paced-trial records for {len(responses)} trials")
    ioi = np.where(ioi > 0, np.round(ioi, 6), np.nan)
    onset = np.where(np.isfinite(ioi), responses["stimulus_onset"].to_numpy(dtype=float), np.nan)
    return responses.assign(ioi=ioi, click_onset=onset)


def sct_rows(protocol: Any, trials: pd.DataFrame, raw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn the recorded series and taps into a person's ``sct`` rows and key presses.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The ``sct`` protocol (keys, ``sct`` settings).
    trials : DataFrame
        The trial list that was simulated (one series per row).
    raw : motorseq.models.engine.RawRun
        The run's records (``timing``: series onsets and tap times).

    Returns
    -------
    responses : DataFrame
        One row per series: ``trial_index, stimulus_onset`` (the first beat), ``response_position,
        rt`` (the first tap from the first beat), ``correct`` (n/a), ``n_presses, n_errors, ioi,
        click_onset, sync_beats``.
    presses : DataFrame
        One row per tap: ``trial_index, onset, position, rt`` (from the first beat), ``correct``.
    """
    name = getattr(protocol, "name", "protocol")
    settings = protocol.sct
    ioi = settings.ioi_ms / 1000.0
    end = (settings.sync_beats + settings.continuation_beats - 0.5) * ioi
    keys = list(protocol.keys)
    timing = raw.timing
    onsets = dict(zip(timing["series_trial"].tolist(), timing["series_onset"].tolist(), strict=True))
    tap_trial, tap_t = np.asarray(timing["tap_trial"]), np.asarray(timing["tap_t"], dtype=float)
    rows, press_rows = [], []
    for k, trial in enumerate(trials.itertuples(index=False)):
        if k not in onsets:
            raise ModelError(f"{name}: simulation: series {trial.trial_index} was never shown")
        onset = float(onsets[k])
        taps = np.sort(tap_t[(tap_trial == k) & (tap_t >= onset - ioi / 2) & (tap_t < onset + end)])
        sequence = [int(x) - 1 for x in str(trial.target).split("-")]
        positions = [sequence[j % len(sequence)] for j in range(taps.size)]
        if len(sequence) == 1:
            flags = [1] * taps.size
        else:
            flags, _ = score_taps([keys[p] for p in positions], [keys[p] for p in sequence])
            flags = [int(f) for f in flags]
        first = next((j for j in range(taps.size) if taps[j] >= onset), None)
        rows.append(
            {
                "trial_index": int(trial.trial_index), "stimulus_onset": round(onset, 6),
                "response_position": positions[first] + 1 if first is not None else pd.NA,
                "rt": round(taps[first] - onset, 6) if first is not None else np.nan,
                "correct": pd.NA, "n_presses": int(taps.size), "n_errors": len(flags) - sum(flags),
                "execution_time": np.nan, "n_correct_sequences": pd.NA,
                "ioi": ioi, "click_onset": round(onset, 6), "sync_beats": int(settings.sync_beats),
            }
        )  # fmt: skip
        for time, pos, ok in zip(taps, positions, flags, strict=True):
            press_rows.append(
                {"trial_index": int(trial.trial_index), "onset": round(float(time), 6), "position": pos + 1,
                 "rt": round(float(time) - onset, 6), "correct": int(ok)}
            )  # fmt: skip
    responses = pd.DataFrame(rows).astype(
        {"response_position": "Int64", "rt": "Float64", "correct": "Int64", "n_presses": "int64",
         "n_errors": "int64", "execution_time": "Float64", "n_correct_sequences": "Int64", "sync_beats": "Int64"}
    )  # fmt: skip
    press_table = pd.DataFrame(press_rows, columns=["trial_index", "onset", "position", "rt", "correct"])
    return responses, press_table
