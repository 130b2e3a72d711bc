"""Values applied at run time: parameters, lesions, the trial list and the seed.

:func:`runtime_values` turns (layout, parameters, trial list, task timing, seed) into values
keyed by ``"object.variable"``; the engine passes them to the compiled binary as run
arguments (C++ standalone) or assigns them (runtime fallback). Everything a participant can
differ in goes through here, so nothing here needs a recompile.

A parameter with a unit (``tau_m_ms``, ``bias_mv``, ``warmup_s``, ``readout_threshold_hz``)
becomes a Brian2 quantity here (``p.tau_m_ms * ms``), and so does every time of the task
plan (seconds), so Brian2 checks each against the unit its variable declares
(:mod:`.units`). Values without a unit (weights, gains, learning rates, counts, flags) stay
plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .brian_import import import_brian2
from .layout import Layout
from .network import DOPAMINE_UPDATE_MS
from .parameters import ModelParameters
from .units import require_dimension

#: ``z_slip`` without slips: no standard-normal draw reaches it
NO_SLIP = 1e9

__all__ = ["TaskTiming", "rest_schedule", "runtime_values"]


@dataclass(frozen=True)
class TaskTiming:
    """The protocol's trial timing as the controller needs it.

    ``rsi_s`` is the interval between a key press and the next element's stimulus (0 within
    a DSP sequence and a tapping period; the interval between sequences and the rest between
    tapping periods are pauses). ``loop`` makes each multi-key segment repeat until ``tap_s``
    has passed since its first onset (finger tapping); otherwise a segment (a DSP sequence)
    ends after its last element or at a timeout.
    """

    rsi_s: float
    timeout_s: float
    until_correct: bool
    loop: bool = False
    tap_s: float = 0.0
    # paced blocks: the protocol's tempo ramp (one per protocol), s and share of correct trials
    ramp_start_s: float = 0.0
    ramp_target_s: float = 0.0
    ramp_step_s: float = 0.0
    ramp_criterion: float = 1.0
    # synchronisation-continuation tapping: one element per series
    sct: bool = False
    sct_ioi_s: float = 0.0
    sync_beats: int = 0
    sct_len_s: float = 0.0


def _lesioned(rng: np.random.Generator, n: int, remaining: float) -> np.ndarray:
    """1 for surviving cells, 0 for lost ones; exactly ``round(n*(1-remaining))`` lost."""
    alive = np.ones(n)
    n_lost = int(round(n * (1.0 - remaining)))
    if n_lost:
        alive[rng.permutation(n)[:n_lost]] = 0.0
    return alive


def motor_time_sigma(mean_ms: float, sd_ms: float) -> float:
    """SD of the log of a log-normal motor time with this mean and SD (ms).

    Parameters
    ----------
    mean_ms, sd_ms : float
        Mean and SD of the motor time (``non_decision_ms``, ``non_decision_sd_ms``).

    Returns
    -------
    float
        ``sqrt(log(1 + (sd/mean)**2))``; 0 when either is 0 (a fixed motor time).
    """
    if mean_ms <= 0 or sd_ms <= 0:
        return 0.0
    return float(np.sqrt(np.log1p((sd_ms / mean_ms) ** 2)))


def rest_schedule(blocks: np.ndarray, rest_s: float, every_blocks: int = 1, min_s: float = 0.0) -> np.ndarray:
    """Rest (s) before every trial and after the last one, from the trials' block numbers.

    The model rests before the first trial, wherever the protocol gives a break (after every
    ``every_blocks``-th block, not after the last; at least ``min_s``) and after the last trial,
    as a participant in a block-design scanner session does.

    Parameters
    ----------
    blocks : ndarray of int
        Block number (1-based, as in the trial list) of every trial, in trial order.
    rest_s : float
        Rest at the start, at each break and at the end (s).
    every_blocks : int
        A break after every ``every_blocks``-th block (``protocol.breaks.every_blocks``).
    min_s : float
        Shortest break the protocol allows (``protocol.breaks.min_s``).

    Returns
    -------
    ndarray
        ``len(blocks) + 1`` values: element k is the rest before trial k; the last, after the
        final trial.
    """
    blocks = np.asarray(blocks)
    pauses = np.zeros(blocks.size + 1)
    if blocks.size == 0:
        return pauses
    pauses[0] = pauses[-1] = rest_s
    starts = np.flatnonzero(blocks[1:] != blocks[:-1]) + 1  # first trial of each later block
    for k in starts:  # a break after block b when b % every_blocks == 0, as the lab task does
        if int(blocks[k - 1]) % every_blocks == 0:
            pauses[k] = max(rest_s, min_s)
    return pauses


def runtime_values(
    layout: Layout,
    params: ModelParameters,
    targets: np.ndarray,
    timing: TaskTiming,
    seed: int,
    max_trials: int,
    pauses: np.ndarray | None = None,
    segments: np.ndarray | None = None,
    paces: np.ndarray | None = None,
    block_of: np.ndarray | None = None,
) -> dict[str, float | np.ndarray]:
    """Compute every run-time value of one simulation.

    Parameters
    ----------
    layout : Layout
        The network structure.
    params : ModelParameters
        Parameter values (lesions and individual draws already applied).
    targets : ndarray of int
        0-based target channel of every trial.
    timing : TaskTiming
        RSI, timeout and response rule.
    seed : int
        Seed of this participant (noise, weight jitter, lesioned cells, initial state).
    max_trials : int
        Size of the compiled trial buffer.
    pauses : ndarray, optional
        Rest (s) before each trial and, as the last element, after the final trial
        (:func:`rest_schedule`); no rest if omitted.
    segments : ndarray of int, optional
        Number of elements of the multi-key trial (DSP sequence, tapping period) that starts
        at each element, 0 elsewhere; none if omitted (one element per trial).
    paces : ndarray, optional
        Metronome inter-onset interval (s) of every element: 0 self-paced (the default), < 0
        the protocol's tempo ramp (:attr:`TaskTiming.ramp_start_s`).
    block_of : ndarray of int, optional
        Block number of every element (paced blocks: where the beat clock and the ramp step).

    Returns
    -------
    dict
        ``"object.variable" -> value`` (a Brian2 quantity where the variable has a unit),
        plus ``"targets"``, ``"pauses"`` and ``"segments"``, ``"paces"`` and ``"block_of"``
        (the element buffers; pauses and paces in seconds).
    """
    import_brian2()  # from a worker thread too
    from brian2 import Hz, ms, mV, second

    params.check_complete()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    pop = layout.pop
    n = layout.n_neurons
    p = params

    ms_per_s = float(second / ms)  # 1000.0 exactly

    def per_pop(table: dict[str, float]) -> np.ndarray:
        return np.array([table[name] for name in pop], dtype=float)

    bias = per_pop(p.bias_mv)
    # homeostatic compensation of DCN excitability for the tonic Purkinje inhibition lost to a
    # cerebellar lesion: the lesion removes learnable modulation, not the DCN operating point
    # (Purkinje spikes per GABA time constant x weight: in mV, as the synaptic variables are)
    lost_inhibition = (
        (1.0 - p.lesion_cerebellum) * p.weights["purkinje->dcn"] * layout.size.sizes["purkinje"]
        * p.purkinje_tonic_hz * Hz * p.tau_gaba_ms * ms
    )  # fmt: skip
    bias[pop == "dcn"] -= float(require_dimension("lost DCN inhibition", lost_inhibition, 1))
    depletion = 1.0 - p.lesion_dopamine
    bias[pop == "d1"] -= p.d1_dopamine_gain_mv * depletion
    bias[pop == "d2"] += p.d2_dopamine_gain_mv * depletion
    a_cue = np.where(pop == "visual", p.cue_drive_mv, 0.0)
    a_ctx = np.where(np.isin(pop, ["sma_ctx", "mossy"]), p.context_drive_mv, 0.0)
    a_rew = np.where(pop == "snc", p.reward_drive_mv, 0.0)
    a_rst = np.where(pop == "m1_inh", p.motor_reset_mv, np.where(pop == "sma_inh", 0.5 * p.motor_reset_mv, 0.0))
    alive = np.ones(n)
    pc = layout.indices("purkinje")
    alive[pc] = _lesioned(rng, pc.size, p.lesion_cerebellum)
    for name in ("sma", "sma_ctx", "m1"):
        idx = layout.indices(name)
        alive[idx] = _lesioned(rng, idx.size, p.lesion_cortex)

    proj_gain = np.array([p.weights[name] for name in layout.projections])
    conn = layout.conn
    jitter = rng.lognormal(0.0, p.weight_jitter, conn["pre"].size) if p.weight_jitter > 0 else 1.0
    w_fixed = proj_gain[conn["proj"]] * jitter
    w_fixed = np.where(conn["kind"] == 3, w_fixed * p.lesion_dopamine, w_fixed)

    cs_pre, cs_post = layout.plastic["corticostriatal"]
    is_d1 = pop[cs_post] == "d1"
    trial_buffer = np.zeros(max_trials, dtype=np.int32)
    trial_buffer[: targets.size] = targets
    pause_buffer = np.zeros(max_trials + 1) * second
    if pauses is not None:
        pauses = np.asarray(pauses, dtype=float)
        if pauses.size != targets.size + 1:
            raise ValueError(f"pauses: {pauses.size} values for {targets.size} trials; expected one more than trials")
        pause_buffer[: pauses.size] = pauses * second
    segment_buffer = np.zeros(max_trials, dtype=np.int32)
    if segments is not None:
        segments = np.asarray(segments, dtype=np.int32)
        if segments.size != targets.size:
            raise ValueError(f"segments: {segments.size} values for {targets.size} elements; expected one per element")
        segment_buffer[: segments.size] = segments
    pace_buffer = np.zeros(max_trials) * second
    block_buffer = np.zeros(max_trials, dtype=np.int32)
    for name, given, buffer, unit in (("paces", paces, pace_buffer, second), ("block_of", block_of, block_buffer, 1)):
        if given is not None:
            given = np.asarray(given)
            if given.size != targets.size:
                raise ValueError(f"{name}: {given.size} values for {targets.size} elements; expected one per element")
            buffer[: given.size] = given * unit

    values: dict[str, float | np.ndarray] = {
        "targets": trial_buffer,
        "pauses": pause_buffer,
        "segments": segment_buffer,
        "paces": pace_buffer,
        "block_of": block_buffer,
        # neurons
        "neurons.v": rng.uniform(0.0, 15.0, n) * mV,
        "neurons.tau_m": per_pop(p.tau_m_ms) * ms,
        "neurons.bias": bias * mV,
        # white-noise amplitude sigma*sqrt(2/tau_m): stationary membrane SD sigma (mV)
        "neurons.noise_amp": per_pop(p.noise_mv) * mV * np.sqrt(2.0 / (per_pop(p.tau_m_ms) * ms)),
        "neurons.a_cue": a_cue * mV,
        "neurons.a_ctx": a_ctx * mV,
        "neurons.a_rew": a_rew * mV,
        "neurons.a_rst": a_rst * mV,
        "neurons.a_sup": np.where(pop == "m1", p.suppression_mv, 0.0) * mV,
        "neurons.a_rest": np.where(pop == "m1", p.rest_disengagement_mv, 0.0) * mV,
        "neurons.b_adapt": np.where(pop == "m1", p.m1_adaptation_mv, 0.0) * mV,
        "neurons.tau_adapt": p.adaptation_tau_ms * ms,
        "neurons.alive": alive,
        "neurons.ch": layout.channel,
        "neurons.ca": layout.ctx_a,
        "neurons.cb": layout.ctx_b,
        "neurons.v_th": p.threshold_mv * mV,
        "neurons.v_reset": p.reset_mv * mV,
        "neurons.t_ref": p.refractory_ms * ms,
        "neurons.tau_ampa": p.tau_ampa_ms * ms,
        "neurons.tau_nmda": p.tau_nmda_ms * ms,
        "neurons.tau_gaba": p.tau_gaba_ms * ms,
        "neurons.tau_da": p.tau_dopamine_ms * ms,
        "neurons.tau_cf": p.tau_climbing_ms * ms,
        # synapses
        "fixed.w": w_fixed,
        "corticostriatal.w": np.where(is_d1, p.w_init_ctx_d1, p.w_init_ctx_d2),
        "corticostriatal.ws": np.where(is_d1, p.w_init_ctx_d1, p.w_init_ctx_d2),
        # share of the way per dopamine update: update interval / time constant, both in ms
        "corticostriatal.k_fast": DOPAMINE_UPDATE_MS / (p.tau_fast_weight_s * ms_per_s),
        "corticostriatal.k_slow": DOPAMINE_UPDATE_MS / (p.tau_consolidation_s * ms_per_s),
        "corticostriatal.gmax": np.where(is_d1, p.w_max_ctx_d1, p.w_max_ctx_d2),
        "corticostriatal.sgn": np.where(is_d1, 1.0, -p.d2_learning_ratio),
        "corticostriatal.eta": p.eta_striatum,
        "corticostriatal.da0": p.dopamine_baseline,
        "corticostriatal.a_minus": p.stdp_pre_depression,
        "corticostriatal.a_het": np.where(is_d1, p.heterosynaptic_ltd, 0.0),
        "corticostriatal.tau_stdp": p.stdp_tau_ms * ms,
        "corticostriatal.tau_el": p.tau_eligibility_ms * ms,
        "parallel_fibre.w": np.full(layout.plastic["parallel_fibre"][0].size, p.w_init_pf),
        "parallel_fibre.gmax": p.w_max_pf,
        "parallel_fibre.ltd": p.eta_pf_ltd,
        "parallel_fibre.ltp": p.eta_pf_ltp,
        "transition.w": np.full(layout.plastic["transition"][0].size, p.w_init_transition),
        "transition.gmax": p.w_max_transition,
        "transition.eta": p.eta_transition,
        "transition.dec": p.transition_decay,
        "transition.da0": p.dopamine_baseline,
        "transition.tau_stdp": p.stdp_tau_ms * ms,
        "visuomotor.w": np.full(layout.plastic["visuomotor"][0].size, p.w_init_visuomotor),
        "visuomotor.gmax": p.w_max_visuomotor,
        "visuomotor.eta": p.eta_visuomotor,
        "visuomotor.dec": p.visuomotor_decay,
        "visuomotor.tau_stdp": p.stdp_tau_ms * ms,
        "salience.w": np.ones(layout.plastic["salience"][0].size),
        "salience.t_last": np.zeros(layout.plastic["salience"][0].size) * second,
        "salience.gmax": p.w_salience,
        "salience.hab": p.habituation_per_spike,
        "salience.tau_rec": p.habituation_recovery_s * second,
        # readout
        "readout.tau_r": p.readout_tau_ms * ms,
        "readout.r_th": p.readout_threshold_hz * Hz,
        "readout.r_low": p.readout_rearm_hz * Hz,
        "readout.sigma_r": p.readout_noise_hz * Hz,
        "readout.prep": p.readout_preparation,
        "readout.inh": p.readout_inhibition,
        "readout.conflict": p.readout_conflict,
        # controller
        "controller.n_trials": int(targets.size),
        "controller.until_correct": int(timing.until_correct),
        "controller.seed_value": int(seed) % (2**31 - 1),
        "controller.timeout": timing.timeout_s * second,
        "controller.rsi": timing.rsi_s * second,
        "controller.t_nd": p.non_decision_ms * ms,
        "controller.nd_sigma": motor_time_sigma(p.non_decision_ms, p.non_decision_sd_ms),
        "controller.t_nd_trial": p.non_decision_ms * ms,
        "controller.vis_lat": p.visual_latency_ms * ms,
        "controller.rew_lat": p.reward_latency_ms * ms,
        "controller.rew_dur": p.reward_duration_ms * ms,
        "controller.rst_dur": p.motor_reset_ms * ms,
        "controller.sup_dur": p.suppression_ms * ms,
        "controller.z_slip": NormalDist().inv_cdf(1.0 - p.slip_rate) if p.slip_rate > 0 else NO_SLIP,
        "controller.eff_dur": p.efference_ms * ms,
        "controller.last_key": -1,
        "controller.ctx_delay": p.context_delay_ms * ms,
        "controller.ctx_pending": 0,
        "controller.t_next": p.warmup_s * second + pause_buffer[0],
        # the rest before the first trial: from the end of the settling time to one RSI before it
        "controller.t_rest0": p.warmup_s * second,
        "controller.t_engage": p.warmup_s * second + pause_buffer[0] - timing.rsi_s * second,
        "controller.phase": 0,
        "controller.trial": 0,
        "controller.tgt": -1,
        "controller.resp": -1,
        "controller.sel": -1,
        "controller.last_tgt": -1,
        "controller.ctx_a": -1,
        "controller.ctx_b": -1,
        "controller.t_resp": -10.0 * second,
        "controller.t_rew": -10.0 * second,
        "controller.rew_sign": 0.0,
        "controller.stopped": 0.0,
        "controller.loop": int(timing.loop),
        "controller.tap_len": timing.tap_s * second,
        "controller.in_seg": 0,
        "controller.seg_start": 0,
        "controller.seg_end": 0,
        "controller.timed_out": 0,
        "controller.period_end": 0.0 * second,
    }
    values.update(_timing_values(p, timing))
    return values


def _timing_values(p: ModelParameters, timing: TaskTiming) -> dict[str, float | np.ndarray]:
    """Run-time values of paced blocks and of the SMA timer (synchronisation-continuation tapping)."""
    import_brian2()  # from a worker thread too
    from brian2 import Hz, ms, mV, second

    return {
        "controller.timeout_base": timing.timeout_s * second,
        "controller.cur_ioi": 0.0 * second,
        "controller.ramp_ioi": timing.ramp_start_s * second,
        "controller.ramp_target": timing.ramp_target_s * second,
        "controller.ramp_step": timing.ramp_step_s * second,
        "controller.ramp_crit": timing.ramp_criterion,
        "controller.cur_blk": -1,
        "controller.blk_n": 0,
        "controller.blk_ok": 0,
        "controller.prev_ramp": 0,
        "controller.beat0": 0.0 * second,
        "controller.beat_n": 0,
        "controller.sct": int(timing.sct),
        "controller.sct_ioi": timing.sct_ioi_s * second,
        "controller.sct_len": timing.sct_len_s * second,
        "controller.sync_beats": int(timing.sync_beats),
        "controller.click_lat": p.beat_latency_ms * ms,
        "controller.fb_lat": p.tap_feedback_ms * ms,
        "controller.t_click": -10.0 * second,
        "controller.t_tapfb": -10.0 * second,
        "controller.slope": 1.0 / (max(timing.sct_ioi_s, 0.1) * second),
        "controller.kcyc": 1.0,
        "controller.clock_cv": p.timer_clock_cv,
        "controller.motor_sd": p.tap_motor_sd_ms * ms,
        "controller.alpha": p.timer_phase_correction,
        "controller.beta": p.timer_period_correction,
        "controller.start_phase": p.timer_start_phase,
        "controller.level": p.timer_level,
        "timer.a_ramp": p.timer_drive_mv * mV,
        "timer.bias_t": 0.0 * mV,
        "timer.tau_t": p.timer_tau_ms * ms,
        "timer.sig_t": p.timer_noise_mv * mV,
        "timer.v_th_t": p.threshold_mv * mV,
        "timer.v_reset_t": p.reset_mv * mV,
        "timer.t_ref_t": p.refractory_ms * ms,
        "timer_readout.tau_r": p.timer_readout_tau_ms * ms,
        "timer_readout.r_th": p.timer_threshold_hz * Hz,
        "timer_readout.r_low": p.timer_rearm_hz * Hz,
    }
