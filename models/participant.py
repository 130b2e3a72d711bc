"""Simulate one virtual participant doing a protocol's trial list."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .elements import MULTIKEY_PARADIGMS, element_plan, multikey_rows
from .engine import get_engine
from .errors import ModelError, ModelNotImplementedError
from .parameters import ModelParameters
from .results import SimulationResult, activity_table, rate_table, region_sizes, response_table, spike_table
from .runtime_values import runtime_values
from .timing import paced_columns, sct_rows

__all__ = ["simulate_participant", "SUPPORTED_PARADIGMS"]

#: Paradigms the model performs: one stimulus and response per trial (``srt``, ``asrt``), a
#: sequence of responses per trial (``dsp``), continuous tapping for a fixed period (``ftt``),
#: synchronisation-continuation tapping (``sct``: the taps come from the SMA timer population).
SUPPORTED_PARADIGMS = ("srt", "asrt", "dsp", "ftt", "sct")


def simulate_participant(
    protocol: Any,
    trials: pd.DataFrame,
    params: ModelParameters | None = None,
    seed: int = 1,
    workdir: str | os.PathLike | None = None,
    record_spikes: bool = False,
    initial_values: dict[str, Any] | None = None,
    cache_root: str | os.PathLike | None = None,
) -> SimulationResult:
    """Run the spiking network through a trial list, closed loop, and return what it did.

    The network is compiled once per process and structure (C++ standalone) in ``workdir``
    and re-run here with this participant's trial list, seed and parameter values. DSP and
    finger-tapping trials are performed key by key (:mod:`.elements`) and returned as a
    person's rows, with every key press in :attr:`SimulationResult.presses`.

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
    record_spikes : bool
        Also record every spike (:attr:`SimulationResult.spikes`); a structure of its own
        (compiled once), and a large table (millions of rows for a full protocol).
    initial_values : dict, optional
        Run-time values that replace the computed ones, e.g. the plastic weights a previous
        session ended with (``{"transition.w": ...}``; see :mod:`.study`). Hook for multi-session
        studies.
    cache_root : path, optional
        Folder of the persistent cache of compiled binaries (:mod:`.build_cache`); the
        user's cache folder (or ``$MOTORSEQ_BUILD_ROOT/cache``) when omitted.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ModelNotImplementedError
        For a paradigm the model does not perform (not in :data:`SUPPORTED_PARADIGMS`).
    ModelError
        For a trial list the model cannot read.
    """
    params = params or ModelParameters()
    params.check_complete()
    paradigm = getattr(protocol, "paradigm", None)
    name = getattr(protocol, "name", "protocol")
    if paradigm not in SUPPORTED_PARADIGMS:
        raise ModelNotImplementedError(
            f"{name}: paradigm: the spiking model performs {', '.join(SUPPORTED_PARADIGMS)}, not {paradigm!r}"
        )
    plan = element_plan(protocol, trials, params.rest_s)
    engine = get_engine(
        len(protocol.positions), params.dt_ms, workdir, record_spikes=record_spikes, cache_root=cache_root
    )
    if plan.targets.size > engine.max_trials:
        raise ModelError(f"{name}: trial list: {plan.targets.size} stimuli; the model runs at most {engine.max_trials}")
    values = runtime_values(
        engine.layout, params, plan.targets, plan.timing, int(seed), engine.max_trials, plan.pauses, plan.segments,
        plan.paces, plan.block_of,
    )  # fmt: skip
    if initial_values:  # multi-session studies: carried weights (models/study.py)
        values.update(initial_values)
    raw = engine.run(values)
    presses = None
    if paradigm in MULTIKEY_PARADIGMS:
        responses, presses = multikey_rows(protocol, trials, plan, raw)
    elif paradigm == "sct":
        responses, presses = sct_rows(protocol, trials, raw)
    elif raw.trials["trial"].size != plan.targets.size:
        raise ModelError(f"{name}: simulation ended after {raw.trials['trial'].size} of {plan.targets.size} trials")
    else:
        responses = response_table(trials, raw)
        if np.any(plan.paces != 0):
            responses = paced_columns(responses, raw)
    sizes = region_sizes(engine.layout)
    weights = dict(raw.weights)
    spikes = None
    if "spike_i" in weights:
        spikes = spike_table(engine.layout, weights.pop("spike_i"), weights.pop("spike_t"))
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
        activity=activity_table(responses, raw, sizes, plan.trial_pauses),
        parameters=parameters,
        weights=weights,
        timings={**raw.timings, "simulated_s": raw.end_time_s},
        presses=presses,
        spikes=spikes,
    )
