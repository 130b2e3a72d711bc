"""The result of one simulated participant and the tables built from the raw run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .engine import RawRun
from .layout import REGIONS, Layout

__all__ = ["SimulationResult", "response_table", "rate_table", "activity_table"]

RATE_BIN_S = 0.1


@dataclass
class SimulationResult:
    """One virtual participant's run.

    Attributes
    ----------
    responses : DataFrame
        One row per trial, in trial order: ``trial_index``, ``stimulus_onset`` (s from the
        start of the run), ``response_position`` (1-based, NA on timeout), ``rt`` (s, NA on
        timeout), ``correct`` (0/1), ``n_presses``; DSP and FTT also ``n_errors``,
        ``execution_time`` (DSP, s) and ``n_correct_sequences`` (FTT), as the task writes them.
    rates : DataFrame
        Long table ``time_s`` (bin start, 0.1-s bins), ``region``, ``rate_hz``: population rate
        of every region over the whole run.
    activity : DataFrame
        Long table per trial: ``trial_index``, ``region``, ``mean_rate_hz`` (spikes of the
        region's neurons from this stimulus onset to the next, per neuron per second) and
        ``synaptic_input`` (sum over the region's neurons of the postsynaptic jumps of all
        synaptic events received in that window, in mV; a proxy of synaptic activity, the
        quantity BOLD follows best, Logothetis et al. 2001).
    parameters : dict
        Every parameter used, the seed and the engine description (for the sidecar).
    weights : dict
        Final plastic weights by projection (fraction of maximum), for diagnostics.
    timings : dict
        Compile and run wall times (s).
    presses : DataFrame or None
        DSP and FTT: every key press, ``trial_index``, ``onset`` (s from the start of the run),
        ``position`` (1-based), ``rt`` (s from the trial's onset), ``correct`` (the key
        expected at that point); ``None`` for one-response paradigms (the response is the press).
    spikes : DataFrame or None
        With ``record_spikes``: every spike (:func:`spike_table`); otherwise ``None``.
    """

    responses: pd.DataFrame
    rates: pd.DataFrame
    activity: pd.DataFrame
    parameters: dict[str, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    presses: pd.DataFrame | None = None
    spikes: pd.DataFrame | None = None


def spike_table(layout: Layout, spike_i: np.ndarray, spike_t: np.ndarray) -> pd.DataFrame:
    """Every recorded spike: ``time_s``, ``neuron``, ``population``, ``channel``, ``region``.

    ``channel`` is 1-based (0: the population has no channels); ``region`` is ``n/a`` for
    populations outside the regions of :data:`REGIONS`.
    """
    i = np.asarray(spike_i, dtype=np.int64)
    order = np.lexsort((i, np.asarray(spike_t)))
    i, t = i[order], np.asarray(spike_t, dtype=float)[order]
    region = layout.region_index()
    names = np.array([*REGIONS, "n/a"], dtype=object)
    return pd.DataFrame({
        "time_s": np.round(t, 6), "neuron": i, "population": np.asarray(layout.pop, dtype=object)[i],
        "channel": np.asarray(layout.channel)[i] + 1, "region": names[region[i]],
    })  # fmt: skip


def region_sizes(layout: Layout) -> np.ndarray:
    """Count the neurons of every region, in :data:`REGIONS` order."""
    region = layout.region_index()
    return np.array([(region == k).sum() for k in range(len(REGIONS))], dtype=float)


def response_table(trials: pd.DataFrame, raw: RawRun) -> pd.DataFrame:
    """One row per trial from the controller's trial records."""
    rec = raw.trials
    order = np.argsort(rec["trial"], kind="stable")
    responded = rec["resp"][order] >= 0
    position = pd.array(np.where(responded, rec["resp"][order] + 1, 0), dtype="Int64")
    position[~responded] = pd.NA
    rt = pd.array(np.round(rec["rt"][order], 6), dtype="Float64")
    rt[~responded] = pd.NA
    return pd.DataFrame(
        {
            "trial_index": trials["trial_index"].to_numpy(),
            "stimulus_onset": np.round(rec["t_on"][order], 6),
            "response_position": position,
            "rt": rt,
            "correct": (responded & (rec["resp"][order] == rec["tgt"][order])).astype(int),
            "n_presses": rec["npress"][order].astype(int),
        }
    )


def rate_table(raw: RawRun, sizes: np.ndarray) -> pd.DataFrame:
    """Compute the population rate per region in 0.1-s bins over the whole run."""
    step = max(1, int(round(RATE_BIN_S / np.diff(raw.meter_t[:2])[0]))) if raw.meter_t.size > 1 else 1
    cum = raw.meter_spikes[:, ::step]
    if cum.shape[1] < 2:
        return pd.DataFrame({"time_s": [], "region": [], "rate_hz": []})
    counts = np.diff(cum, axis=1)
    rate = counts / (sizes[:, None] * RATE_BIN_S)
    n_bins = counts.shape[1]
    return pd.DataFrame(
        {
            "time_s": np.tile(np.round(np.arange(n_bins) * RATE_BIN_S, 6), len(REGIONS)),
            "region": np.repeat(REGIONS, n_bins),
            "rate_hz": rate.ravel(),
        }
    )


def activity_table(
    responses: pd.DataFrame, raw: RawRun, sizes: np.ndarray, pauses: np.ndarray | None = None
) -> pd.DataFrame:
    """Mean rate and summed synaptic input of every region in every trial.

    A trial's window runs from its stimulus onset to the next onset, less any rest before it
    (``pauses``, s: element k is the rest before trial k, the last after the final trial),
    sampled at the meters' 10-ms resolution; the last trial's ends at the end of the run less
    the final rest.
    """
    t = raw.meter_t
    onsets = responses["stimulus_onset"].to_numpy()
    rest = np.zeros(onsets.size + 1) if pauses is None else np.asarray(pauses, dtype=float)[: onsets.size + 1]
    end_of_run = min(raw.end_time_s, t[-1]) if t.size else onsets[-1]
    ends = np.append(onsets[1:], end_of_run) - rest[1:]
    ends = np.maximum(ends, onsets)
    i0 = np.clip(np.searchsorted(t, onsets), 0, max(t.size - 1, 0))
    i1 = np.clip(np.searchsorted(t, ends), 0, max(t.size - 1, 0))
    duration = np.maximum(t[i1] - t[i0], 1e-3) if t.size else np.ones(onsets.size)
    spikes = raw.meter_spikes[:, i1] - raw.meter_spikes[:, i0]
    synaptic = raw.meter_synaptic[:, i1] - raw.meter_synaptic[:, i0]
    rate = spikes / (sizes[:, None] * duration[None, :])
    n = onsets.size
    return pd.DataFrame(
        {
            "trial_index": np.tile(responses["trial_index"].to_numpy(), len(REGIONS)),
            "region": np.repeat(REGIONS, n),
            "mean_rate_hz": rate.ravel(),
            "synaptic_input": synaptic.ravel(),
        }
    )
