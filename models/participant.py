"""Simulate one virtual participant doing a protocol's trial list."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .engine import get_engine
from .errors import ModelError, ModelNotImplementedError
from .parameters import ModelParameters
from .results import SimulationResult, activity_table, rate_table, region_sizes, response_table
from .runtime_values import TaskTiming, rest_schedule, runtime_values

__all__ = ["simulate_participant", "SUPPORTED_PARADIGMS"]

#: Paradigms the model performs (one stimulus, one response per trial).
SUPPORTED_PARADIGMS = ("srt", "asrt")

#: Timeout used when a protocol has none (s): long enough never to cut a real response.
DEFAULT_TIMEOUT_S = 10.0


def _trial_targets(protocol: Any, trials: pd.DataFrame) -> np.ndarray:
    name = getattr(protocol, "name", "protocol")
    if "target" not in trials.columns or "trial_index" not in trials.columns:
        raise ModelError(f"{name}: trial list: needs the columns 'target' and 'trial_index'")
    try:
        targets = trials["target"].astype(int).to_numpy()
    except (TypeError, ValueError):
        raise ModelError(f"{name}: trial list: target: positions must be integers") from None
    n_pos = len(protocol.positions)
    bad = (targets < 1) | (targets > n_pos)
    if bad.any():
        raise ModelError(f"{name}: trial list: target: {targets[bad][0]} is not a position 1..{n_pos}")
    return targets - 1


def _rest_schedule(protocol: Any, trials: pd.DataFrame, rest_s: float) -> np.ndarray:
    breaks = getattr(protocol, "breaks", None)
    every = int(getattr(breaks, "every_blocks", 1))
    min_s = float(getattr(breaks, "min_s", 0.0))
    blocks = trials["block"].to_numpy() if "block" in trials.columns else np.ones(len(trials), dtype=int)
    return rest_schedule(blocks, rest_s, every, min_s)


def simulate_participant(
    protocol: Any,
    trials: pd.DataFrame,
    params: ModelParameters | None = None,
    seed: int = 1,
    workdir: str | os.PathLike | None = None,
) -> SimulationResult:
    """Run the spiking network through a trial list, closed loop, and return what it did.

    The network is compiled once per process and structure (C++ standalone) in ``workdir``
    and re-run here with this participant's trial list, seed and parameter values.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The protocol (positions, paradigm, response rule, RSI, timeout).
    trials : DataFrame
        The trial list from :func:`motorseq.protocols.generate_trials`.
    params : ModelParameters, optional
        Parameter values (lesions and individual draws applied); defaults if omitted.
    seed : int
        Seed of this participant: network noise, weight jitter, lesioned cells, initial state.
        Same seed, same result.
    workdir : path, optional
        Folder for the compiled network of this process (each process its own).

    Returns
    -------
    SimulationResult

    Raises
    ------
    ModelNotImplementedError
        For paradigms the model does not perform (``dsp``, ``ftt``).
    ModelError
        For a trial list the model cannot read.
    """
    params = params or ModelParameters()
    params.check_complete()
    paradigm = getattr(protocol, "paradigm", None)
    name = getattr(protocol, "name", "protocol")
    if paradigm not in SUPPORTED_PARADIGMS:
        raise ModelNotImplementedError(
            f"{name}: paradigm: the spiking model performs {' and '.join(SUPPORTED_PARADIGMS)} "
            f"(one stimulus, one response per trial), not {paradigm!r}"
        )
    targets = _trial_targets(protocol, trials)
    if targets.size == 0:
        raise ModelError(f"{name}: trial list: is empty")
    response = protocol.response
    timeout_ms = getattr(response, "timeout_ms", None)
    timing = TaskTiming(
        rsi_s=float(response.rsi_ms) / 1000.0,
        timeout_s=float(timeout_ms) / 1000.0 if timeout_ms else DEFAULT_TIMEOUT_S,
        until_correct=getattr(response, "rule", "first-press") == "until-correct",
    )
    engine = get_engine(len(protocol.positions), params.dt_ms, workdir)
    if targets.size > engine.max_trials:
        raise ModelError(f"{name}: trial list: {targets.size} trials; the model runs at most {engine.max_trials}")
    pauses = _rest_schedule(protocol, trials, params.rest_s)
    values = runtime_values(engine.layout, params, targets, timing, int(seed), engine.max_trials, pauses)
    raw = engine.run(values)
    if raw.trials["trial"].size != targets.size:
        raise ModelError(
            f"{name}: simulation ended after {raw.trials['trial'].size} of {targets.size} trials"
        )
    sizes = region_sizes(engine.layout)
    responses = response_table(trials, raw)
    parameters = {
        **params.to_dict(),
        "seed": int(seed),
        "engine": {
            "brian2_device": engine.mode,
            "n_neurons": engine.layout.n_neurons,
            "population_sizes": dict(engine.layout.size.sizes),
            "n_fixed_synapses": int(engine.layout.conn["pre"].size),
            "n_plastic_synapses": {k: int(v[0].size) for k, v in engine.layout.plastic.items()},
        },
    }
    return SimulationResult(
        responses=responses,
        rates=rate_table(raw, sizes),
        activity=activity_table(responses, raw, sizes, pauses),
        parameters=parameters,
        weights=raw.weights,
        timings={**raw.timings, "simulated_s": raw.end_time_s},
    )
