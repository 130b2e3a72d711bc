"""What the network does between two sessions: replay with plasticity on, and decay of what is not consolidated.

The delay between sessions is not a formula on behaviour: it acts on the network's plastic
synapses (the weights a session ends with), with the network's own plasticity rule, and the next
session starts from the result.

Process (all rates and time constants are :class:`OfflineParameters`):

1. **Replay** (spontaneous reactivation at rest; Buch et al. 2021 find replay of a just-practised
   sequence ~20× compressed in time during the rests of practice). During the first
   ``replay_window_h`` of the delay, reactivation events occur at ``replay_rate_hz`` (compressed
   in time: each event lasts ``length × step_ms / compression``, so the number of events, not
   their duration, is what the delay changes). An event starts from a random SMA context (a pair
   previous-response, stimulus-before) and follows the learned transitions: the next channel is
   drawn with probability ∝ exp(β·T[a, b, c]) from the mean transition weight of context (a, b)
   to the SMA cells of channel c, so well-learned transitions are replayed most; the context
   then moves on to (b, c). Each step reactivates the context cells (pre) and the channel's SMA
   cells (post) within the STDP window, and the *transition* synapses learn by the network's own
   rule (``models/network.py``): on the pre spike every synapse of the context cell is depressed
   ``w -= eta·dec·w``, on the post spike the synapse is potentiated ``w += eta·(1 − w)·D`` with
   the offline neuromodulatory factor ``D = replay_da`` (no reward at rest). Replay also **tags**
   the reactivated synapses (stable share ``s += tag`` per reactivation, up to 1).
2. **Decay** of what is not consolidated: every plastic synapse (transition, corticostriatal,
   parallel fibre) relaxes to its naive value; the untagged (labile) share of its change since
   the naive value decays with ``tau_labile_h``, the tagged (stable) share with ``tau_stable_d``.
   The corticostriatal and parallel-fibre synapses are not replayed here (their rules need reward
   or climbing-fibre error, absent at rest), so they keep only what earlier delays made stable.

The model has no sleep: the same process runs for any delay (a 12-h delay with or without a
night is the same to it). Which gain this process yields is what ``tests/benchmarks/study_phases.py``
reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layout import Layout

__all__ = ["OfflineParameters", "OfflineState", "naive_weights", "offline_period", "PLASTIC"]

#: The plastic synapses carried from session to session (run-time values ``<name>.w``).
PLASTIC = ("corticostriatal", "parallel_fibre", "transition")


@dataclass(frozen=True)
class OfflineParameters:
    """Rates and time constants of the offline process (see the module docstring).

    Attributes
    ----------
    replay_rate_hz : float
        Reactivation events per second of rest in the replay window (0.1 Hz: one every 10 s,
        the order of the rest-period replay rates of Buch et al. 2021).
    replay_window_h : float
        Hours after a session during which reactivation occurs (the early post-training
        window of consolidation; conventional).
    replay_length : int
        Transitions per replay event (a sequence of 8-12 items is replayed in chunks).
    compression : float
        Time compression of replay (Buch et al. 2021: ~20×); sets each event's duration only.
    step_ms : float
        Task-time interval between replayed items (a typical RT + RSI).
    beta : float
        Selectivity of replay for learned transitions (inverse temperature on mean weights).
    eta : float
        Learning rate of the transition synapses during replay (the network's ``eta_transition``
        order of magnitude, smaller: no task drive).
    dec : float
        Pre-only depression factor (the network's ``dec``).
    replay_da : float
        Neuromodulatory factor ``D`` at rest (1 = the task's tonic level).
    tag : float
        Stable share added to a reactivated synapse per reactivation.
    tau_labile_h, tau_stable_d : float
        Decay of the labile (untagged) and stable (tagged) change toward naive values.
    """

    replay_rate_hz: float = 0.1
    replay_window_h: float = 6.0
    replay_length: int = 8
    compression: float = 20.0
    step_ms: float = 600.0
    beta: float = 20.0
    eta: float = 0.002
    dec: float = 0.1
    replay_da: float = 1.0
    tag: float = 0.002
    tau_labile_h: float = 24.0
    tau_stable_d: float = 365.0

    def to_dict(self) -> dict[str, float]:
        """Every value, for the sidecar."""
        return {k: float(v) for k, v in self.__dict__.items()}


@dataclass
class OfflineState:
    """What the network carries between sessions: weights and their stable (consolidated) share."""

    weights: dict[str, np.ndarray]
    naive: dict[str, np.ndarray]
    stable: dict[str, np.ndarray] = field(default_factory=dict)
    log: list[dict[str, float]] = field(default_factory=list)

    def run_args(self) -> dict[str, np.ndarray]:
        """Return the initial values of the plastic synapses for the next session (``<name>.w`` run-time values).

        The corticostriatal synapses also start with their consolidated weight ``ws`` equal to
        the carried weight: between sessions this module's labile/stable decay takes the place
        of the within-session relaxation of ``w`` towards ``ws`` (``models/network.py``).
        """
        values = {f"{name}.w": np.asarray(self.weights[name], dtype=float) for name in PLASTIC}
        values["corticostriatal.ws"] = values["corticostriatal.w"].copy()
        return values


def naive_weights(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return the naive (session-1 initial) plastic weights, from a session's run-time values."""
    return {name: np.asarray(values[f"{name}.w"], dtype=float).copy() for name in PLASTIC}


def _transition_index(layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Context (a, b) and channel c of every transition synapse."""
    pre, post = layout.plastic["transition"]
    return layout.ctx_a[pre], layout.ctx_b[pre], layout.channel[post]


def offline_period(
    state: OfflineState, layout: Layout, delay_s: float, params: OfflineParameters, rng: np.random.Generator
) -> OfflineState:
    """Run the offline process for ``delay_s`` seconds on the carried weights (in place) and return it.

    Parameters
    ----------
    state : OfflineState
        Weights at the end of the session (and the stable share from earlier delays).
    layout : Layout
        The network (which context and channel each transition synapse joins).
    delay_s : float
        Time until the next session, s.
    params : OfflineParameters
        The process's rates and time constants.
    rng : numpy.random.Generator
        The participant's offline random stream (same seed, same replay).
    """
    n = layout.n_channels
    for name in PLASTIC:
        state.stable.setdefault(name, np.zeros_like(state.weights[name]))
    w = state.weights["transition"]
    stable = state.stable["transition"]
    a, b, c = _transition_index(layout)
    pair = a * n + b
    before = w.copy()
    window_s = min(delay_s, params.replay_window_h * 3600.0)
    n_events = int(rng.poisson(params.replay_rate_hz * window_s))
    replayed = 0
    synapses = [[np.flatnonzero((pair == q) & (c == k)) for k in range(n)] for q in range(n * n)]
    of_pair = [np.flatnonzero(pair == q) for q in range(n * n)]
    for _ in range(n_events):
        ctx_a, ctx_b = int(rng.integers(n)), int(rng.integers(n))
        for _ in range(params.replay_length):
            q = ctx_a * n + ctx_b
            means = np.array([w[idx].mean() if idx.size else 0.0 for idx in synapses[q]])
            p = np.exp(params.beta * (means - means.max()))
            nxt = int(rng.choice(n, p=p / p.sum()))
            # pre spike of the context cells: every synapse they make is depressed (network rule)
            mine = of_pair[q]
            w[mine] -= params.eta * params.dec * w[mine]
            # post spike of the replayed channel within the STDP window: potentiation, and a tag
            hit = synapses[q][nxt]
            w[hit] += params.eta * (1.0 - w[hit]) * params.replay_da
            stable[hit] = np.minimum(1.0, stable[hit] + params.tag)
            ctx_a, ctx_b = ctx_b, nxt
            replayed += 1
    np.clip(w, 0.0, 1.0, out=w)
    labile = np.exp(-delay_s / (params.tau_labile_h * 3600.0))
    lasting = np.exp(-delay_s / (params.tau_stable_d * 86400.0))
    for name in PLASTIC:
        weights, naive, share = state.weights[name], state.naive[name], state.stable[name]
        change = weights - naive
        state.weights[name] = naive + change * (share * lasting + (1.0 - share) * labile)
    event_s = params.replay_length * params.step_ms / 1000.0 / params.compression
    state.log.append(
        {
            "delay_s": float(delay_s),
            "replay_events": float(n_events),
            "replayed_transitions": float(replayed),
            "replay_time_s": n_events * event_s,
            "transition_change_by_replay": float(np.abs(w - before).mean()),
            "labile_kept": float(labile),
            "stable_kept": float(lasting),
        }
    )
    return state
