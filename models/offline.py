"""What the network does between two sessions: a rest run with replay and plasticity on, then the quiet rest.

The delay between sessions is not a formula on behaviour, nor on the weights: it is run by the
same compiled network (:func:`rest_values` are run-time values of the binary that performs the
tasks) with the weights the session ended with, and the next session starts from the result.

1. **Replay** (simulated): the controller in rest mode (``controller.rest_mode = 1``,
   ``models/network.py``) shows no cue. Each element of the rest run is one reactivated item:
   the ``spontaneous`` cells drive the SMA/premotor cells of *every* channel alike (a burst of
   spontaneous cortical activity; Buch et al. 2021 found replay in sensorimotor cortex), M1 and
   its readout choose a channel as in the task, and the chosen channel becomes the context of
   the next item. What the network chooses therefore
   follows what it learned (the SMA transitions from the current context, the corticostriatal
   loop): well-learned transitions are replayed, others only by noise. Items follow each other
   ~20× faster than in the task (the non-decision time, the interval between items and the
   context update delay are divided by ``compression``; Buch et al. 2021; the just-replayed item
   stays suppressed, as the just-pressed key is in the task, until the next is chosen); an event is
   ``replay_length`` items, events are ``replay_gap_s`` apart, and there are
   ``replay_events_per_hour`` per hour of the first ``replay_window_h`` hours of the delay.
   Every plasticity rule is on, as in the task; there is
   no reward at rest (the SNc gets no reward drive), so the corticostriatal three-factor rule
   sees only tonic dopamine, and the transition and parallel-fibre rules learn from the
   reactivated activity.
2. **Quiet rest** (closed form): for the rest of the delay nothing is active. The only
   time-driven change the network's synapses have is the two-time-scale relaxation of the
   corticostriatal weights (every 20 ms ``w += (ws - w)*k_fast`` then ``ws += (w - ws)*k_slow``;
   ``CORTICOSTRIATAL_DOPAMINE_UPDATE``; the three-factor term is 0 without eligibility). It is
   linear, so ``N`` updates are the ``N``-th power of its 2×2 matrix (:func:`relax_consolidation`),
   exactly what running the update ``N`` times does (up to rounding), in microseconds. What is
   not consolidated (``w - ws``) is lost; ``ws`` keeps a weighted mean of the two. The transition
   and parallel-fibre synapses have no time-driven term: without activity they keep their values.

The model has no sleep: the same process runs for any delay (a 12-h delay with or without a
night is the same to it). Which gain it yields is what ``tests/benchmarks/study_phases.py``
reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from .network import DOPAMINE_UPDATE_MS
from .parameters import ModelParameters, OfflineParameters

__all__ = [
    "CARRIED",
    "OfflineParameters",
    "OfflineState",
    "offline_period",
    "relax_consolidation",
    "replay_events",
    "rest_values",
]

#: The weights carried from session to session: result weight name -> run-time value.
CARRIED = {
    "corticostriatal": "corticostriatal.w",
    "corticostriatal_ws": "corticostriatal.ws",
    "parallel_fibre": "parallel_fibre.w",
    "transition": "transition.w",
}

#: The plastic projections carried (their transmitting weights ``<name>.w``).
PLASTIC = ("corticostriatal", "parallel_fibre", "transition")


@dataclass
class OfflineState:
    """What the network carries between sessions (:data:`CARRIED`) and what each delay did."""

    weights: dict[str, np.ndarray]
    log: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_result(cls, weights: dict[str, np.ndarray], log: list | None = None) -> OfflineState:
        """Take the carried weights from a run's final weights (:attr:`SimulationResult.weights`)."""
        return cls({name: np.asarray(weights[name], dtype=float).copy() for name in CARRIED}, list(log or []))

    def run_args(self) -> dict[str, np.ndarray]:
        """Return the run-time values that start the next run from these weights."""
        return {value: np.asarray(self.weights[name], dtype=float) for name, value in CARRIED.items()}


def relax_consolidation(
    w: np.ndarray, ws: np.ndarray, seconds: float, k_fast: float, k_slow: float
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``seconds`` of the corticostriatal two-time-scale update without activity, in closed form.

    The network updates every ``DOPAMINE_UPDATE_MS``: ``w += (ws - w)*k_fast`` then
    ``ws += (w - ws)*k_slow`` (with the new ``w``). Both are linear in ``(w, ws)``, so ``N``
    updates are the matrix power ``M**N`` (repeated squaring), the same numbers as ``N`` steps.

    Parameters
    ----------
    w, ws : ndarray
        Transmitting and consolidated weights.
    seconds : float
        Quiet time (s); ``floor(seconds / 20 ms)`` updates.
    k_fast, k_slow : float
        Per-update rates (``corticostriatal.k_fast``, ``k_slow`` run-time values).

    Returns
    -------
    (w, ws) : tuple of ndarray
    """
    n = int(max(0.0, seconds) * 1000.0 // DOPAMINE_UPDATE_MS)
    step = np.array([[1.0 - k_fast, k_fast], [k_slow * (1.0 - k_fast), 1.0 - k_slow + k_slow * k_fast]])
    m = np.linalg.matrix_power(step, n)
    w, ws = np.asarray(w, dtype=float), np.asarray(ws, dtype=float)
    return m[0, 0] * w + m[0, 1] * ws, m[1, 0] * w + m[1, 1] * ws


def replay_events(delay_s: float, offline: OfflineParameters) -> int:
    """Return the number of replay events simulated for a delay: ``replay_events_per_hour`` over its replay window."""
    window_h = min(max(0.0, delay_s) / 3600.0, offline.replay_window_h)
    return int(round(offline.replay_events_per_hour * window_h))


def rest_values(
    engine: Any, params: ModelParameters, offline: OfflineParameters, n_events: int, seed: int
) -> dict[str, Any]:
    """Run-time values of a rest run: ``n_events`` replay events of ``replay_length`` items, no cue, no reward.

    Parameters
    ----------
    engine : Engine
        The compiled network (its layout and trial buffer).
    params : ModelParameters
        The participant's parameters (as in its sessions).
    offline : OfflineParameters
        The rest's settings.
    n_events : int
        Replay events (at least 1).
    seed : int
        Seed of the rest run (network noise, spontaneous input).
    """
    from .brian_import import import_brian2
    from .runtime_values import TaskTiming, runtime_values

    import_brian2()
    from brian2 import mV, second

    n_items = n_events * offline.replay_length
    if n_items > engine.max_trials:
        n_events = engine.max_trials // offline.replay_length
        n_items = n_events * offline.replay_length
    targets = np.full(n_items, -1, dtype=np.int32)  # no cue: the network chooses every item
    pauses = np.zeros(n_items + 1)
    pauses[offline.replay_length : n_items : offline.replay_length] = offline.replay_gap_s
    timing = TaskTiming(
        rsi_s=offline.replay_item_ms / 1000.0 / offline.compression,
        timeout_s=offline.replay_timeout_ms / 1000.0,
        until_correct=False,
    )
    values = runtime_values(engine.layout, params, targets, timing, int(seed), engine.max_trials, pauses)
    rate_per_step = offline.replay_input_hz * params.dt_ms / 1000.0
    t_nd = params.non_decision_ms / 1000.0 / offline.compression
    values.update(
        {
            "controller.rest_mode": 1,
            "controller.t_nd": t_nd * second,
            # replay has no key presses: no motor-time variability
            "controller.nd_sigma": 0.0,
            "controller.t_nd_trial": t_nd * second,
            "controller.ctx_delay": params.context_delay_ms / 1000.0 / offline.compression * second,
            # the just-replayed item stays suppressed until the next one is chosen (competitive queuing)
            "controller.sup_dur": (timing.rsi_s + t_nd + timing.timeout_s) * second,
            "neurons.a_rew": np.zeros(engine.layout.n_neurons) * mV,  # no reward at rest
            "spontaneous.z_th": NormalDist().inv_cdf(1.0 - min(rate_per_step, 0.999)),
            "spontaneous_drive.w_sp": offline.replay_drive_mv / (offline.replay_input_hz * params.tau_ampa_ms / 1000.0),
        }
    )
    return values


def _replay_summary(raw: Any, n_events: int, length: int) -> dict[str, Any]:
    """Summarise what the rest run replayed: items chosen, item duration, how often each triplet (1-based)."""
    resp = np.asarray(raw.trials["resp"], dtype=int)
    t_on, t_resp = np.asarray(raw.trials["t_on"]), np.asarray(raw.trials["t_resp"])
    chosen = resp >= 0
    items = resp.reshape(-1, length) if resp.size == n_events * length else resp[None, :]
    triplets: dict[str, int] = {}
    for event in items:
        for a, b, c in zip(event[:-2], event[1:-1], event[2:], strict=False):
            if a >= 0 and b >= 0 and c >= 0:
                key = f"{a + 1}-{b + 1}-{c + 1}"
                triplets[key] = triplets.get(key, 0) + 1
    onsets = t_on.reshape(items.shape) if items.size == t_on.size else t_on[None, :]
    step = np.diff(onsets, axis=1).ravel() if onsets.shape[1] > 1 else np.array([])
    return {
        "replayed_items": int(resp.size),
        "chosen_share": float(chosen.mean()) if resp.size else 0.0,
        "item_decision_ms": float(np.mean(t_resp[chosen] - t_on[chosen]) * 1000.0) if chosen.any() else None,
        "item_step_ms": float(np.mean(step) * 1000.0) if step.size else None,
        "first_event": [int(x) + 1 if x >= 0 else 0 for x in items[0]] if items.size else [],
        "triplets": dict(sorted(triplets.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def offline_period(
    state: OfflineState,
    engine: Any,
    params: ModelParameters,
    delay_s: float,
    offline: OfflineParameters,
    seed: int,
) -> OfflineState:
    """Run the rest between two sessions on the carried weights (in place) and return it.

    Parameters
    ----------
    state : OfflineState
        The weights the session ended with.
    engine : Engine
        The compiled network that ran the session.
    params : ModelParameters
        The participant's parameters.
    delay_s : float
        Time until the next session (s).
    offline : OfflineParameters
        The rest's settings.
    seed : int
        Seed of the rest run.
    """
    before = {name: values.copy() for name, values in state.weights.items()}
    n_events = replay_events(delay_s, offline)
    simulated_s = 0.0
    entry: dict[str, Any] = {"delay_s": float(delay_s), "replay_events": n_events, "rest_seed": int(seed)}
    if n_events > 0:
        values = rest_values(engine, params, offline, n_events, seed)
        values.update(state.run_args())
        raw = engine.run(values)
        state.weights = {name: np.asarray(raw.weights[name], dtype=float).copy() for name in CARRIED}
        simulated_s = float(raw.end_time_s)
        entry.update(_replay_summary(raw, n_events, offline.replay_length))
        step = entry.get("item_step_ms")
        entry["compression_reached"] = offline.replay_item_ms / step if step else None
    replay_change = {
        name: float(np.abs(state.weights[name] - before[name]).mean()) for name in ("transition", "parallel_fibre")
    }
    quiet_s = max(0.0, float(delay_s) - simulated_s)
    k_fast = DOPAMINE_UPDATE_MS / (1000.0 * params.tau_fast_weight_s)
    k_slow = DOPAMINE_UPDATE_MS / (1000.0 * params.tau_consolidation_s)
    w, ws = state.weights["corticostriatal"], state.weights["corticostriatal_ws"]
    unconsolidated = float(np.abs(w - ws).mean())
    state.weights["corticostriatal"], state.weights["corticostriatal_ws"] = relax_consolidation(
        w, ws, quiet_s, k_fast, k_slow
    )
    entry.update(
        {
            "simulated_rest_s": simulated_s,
            "quiet_s": quiet_s,
            "transition_change_by_replay": replay_change["transition"],
            "parallel_fibre_change_by_replay": replay_change["parallel_fibre"],
            "corticostriatal_unconsolidated_before_quiet": unconsolidated,
            "corticostriatal_change": float(
                np.abs(state.weights["corticostriatal"] - before["corticostriatal"]).mean()
            ),
        }
    )
    state.log.append(entry)
    return state
