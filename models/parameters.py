"""Parameters of the spiking model, each with its source or rationale.

All values a virtual participant can differ in (gains, learning rates, lesions) live in
:class:`ModelParameters`. None of them is compiled into the C++ binary: they are applied as
run-time arguments, so one compiled network serves every participant, lesion and
``--param`` override. The population sizes and the time step are structure
(:class:`~motorseq.models.layout.NetworkSize`, ``dt_ms``): changing those recompiles.

Voltages are relative to rest (0 mV); a neuron fires at ``threshold_mv`` (20 mV) and is
reset to ``reset_mv``. Synaptic weights are jumps of the postsynaptic current variable in mV
(current-based synapses, exponential decay with the synapse type's time constant), so the
mean depolarisation a presynaptic population causes is ``K * rate * w * tau_syn``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ModelError
from .layout import projection_names
from .parameter_ranges import check_ranges

__all__ = ["ModelParameters", "OfflineParameters", "LESIONS", "VARIABLE_PARAMETERS"]

#: Lesion names accepted by :meth:`ModelParameters.with_lesion` -> the field they set.
LESIONS: dict[str, str] = {
    "dopamine": "lesion_dopamine",
    "cerebellum": "lesion_cerebellum",
    "cortex": "lesion_cortex",
}

#: Parameters drawn per participant by :meth:`ModelParameters.draw_individual`: the
#: coefficient of variation of their log-normal distribution around the default, and why.
#: Together they give the spread people show: the between-participant CV of first-block RT is
#: about 0.20 in the shared ASRT data (579 +/- 113 ms), and the SD of the triplet effect is as
#: large as its mean (L-H 6-9 ms, SD 15-21 ms per epoch).
VARIABLE_PARAMETERS: dict[str, tuple[float, str]] = {
    "eta_striatum": (
        0.7,
        "Learning rates differ more than speed between people: the SD of sequence-specific learning is of the order of its mean (shared ASRT data: L-H SD 15-21 ms for a 6-9 ms mean).",
    ),
    "eta_pf_ltd": (0.7, "As eta_striatum (cerebellar error-driven learning)."),
    "eta_transition": (0.7, "As eta_striatum (cortical transition learning)."),
    "cue_drive_mv": (0.08, "Perceptual processing speed (strength of the visual response to the cue)."),
    "readout_threshold_hz": (
        0.2,
        "Response caution: people set different speed-accuracy trade-offs (boundary separation differs between healthy adults in diffusion-model fits, Ratcliff et al. 2010). Kept at 0.1 while a lower threshold let a learned prediction trigger the response (0.15 gave random-block errors 7 points above the sequence blocks in 10 participants); with the readouts competing (session 7) a wrong prediction slows instead, and 0.2 (with visual_latency_ms drawn) gives a first-block CV of 0.123 at the benchmark's seeds instead of 0.113.",
    ),
    "eta_visuomotor": (
        0.5,
        "General practice gains (speed-up on random blocks) differ between people about as much as their speed.",
    ),
    "non_decision_ms": (
        0.4,
        "Non-decision time is the largest source of RT differences between people in diffusion-model fits together with caution (Ratcliff et al. 2010). In the model it adds directly to the RT, while the threshold barely moves it, so its spread carries the between-participant CV of first-block RT: 0.25 gave 0.10 (10 participants); 0.4 (SD ~60 ms around 150 ms) aims at the ~0.2 of the shared ASRT data (579 +/- 113 ms).",
    ),
    "visual_latency_ms": (
        0.2,
        "Perceptual latency differs between people (visual evoked P1 latencies vary by ~10 ms around 100 ms between healthy adults); SD ~10 ms around 50 ms.",
    ),
    "tap_feedback_ms": (
        0.2,
        "The mean asynchrony of synchronised tapping differs between people (about -20 to -80 ms; Repp 2005); in the model it is tap_feedback_ms - beat_latency_ms (Aschersleben 2002).",
    ),
    "timer_clock_cv": (
        0.3,
        "Timing variability differs between people (continuation CVs of 3-8 %, Repp 2005); the Wing-Kristofferson clock variance carries most of that difference.",
    ),
}

_POPS = (
    "visual", "sma", "sma_ctx", "sma_inh", "m1", "m1_inh", "d1", "d2", "gpe", "stn", "gpi",
    "vl", "cmpf", "snc", "mossy", "granule", "purkinje", "dcn", "io",
)  # fmt: skip


def _default_tau_m() -> dict[str, float]:
    # Membrane time constants (ms). Cortical pyramidal cells ~20 ms, fast-spiking
    # interneurons ~10 ms (McCormick et al. 1985); pallidal, STN, Purkinje and DCN cells are
    # fast pacemakers (~10 ms); granule cells are electrotonically compact (~5-10 ms,
    # D'Angelo et al. 1995); MSNs ~15 ms in the up state (Wilson & Kawaguchi 1996).
    tau = dict.fromkeys(_POPS, 10.0)
    tau.update(sma=20.0, m1=20.0, sma_ctx=20.0, d1=15.0, d2=15.0, vl=15.0, snc=20.0, granule=8.0)
    return tau


def _default_bias() -> dict[str, float]:
    # Tonic drive (mV above rest) giving each population its spontaneous rate
    # (threshold 20 mV): GPi/SNr ~60-80 Hz and GPe ~50-70 Hz (DeLong 1971), STN ~15-20 Hz
    # (Bevan & Wilson 1999), Purkinje simple spikes ~40-60 Hz and DCN ~20-40 Hz
    # (Thach 1968; Raman et al. 2000), SNc ~4 Hz (Grace & Bunney 1984), IO ~1 Hz, MSNs
    # nearly silent in the down state (Wilson & Kawaguchi 1996), cortex a few Hz. D1 MSNs sit
    # deeper (2 mV; 4 before session 12) so that only convergent, strongly learned context
    # input drives them (the down state as a threshold; models/README.md, session 12).
    return {
        "visual": 0.0, "sma": 10.0, "sma_ctx": 0.0, "sma_inh": 8.0, "m1": 10.0,
        "m1_inh": 8.0, "d1": 2.0, "d2": 4.0, "gpe": 24.0, "stn": 22.0, "gpi": 24.0,
        "vl": 16.0, "cmpf": 8.0, "snc": 15.0, "mossy": 0.0, "granule": 0.0, "purkinje": 18.0,
        "dcn": 28.0, "io": 12.0,
    }  # fmt: skip


def _default_noise() -> dict[str, float]:
    # Standard deviation (mV) of the membrane noise standing for unmodelled background
    # synaptic input (Destexhe et al. 2001: 2-4 mV in vivo).
    noise = dict.fromkeys(_POPS, 4.0)
    noise.update(visual=3.0, mossy=3.0, granule=2.0, snc=4.0)
    return noise


def _default_weights() -> dict[str, float]:
    # Gains of the fixed projections (mV jump per spike). Chosen so that each pathway has the
    # sign and rough strength of the anatomy (cortex -> striatum needs convergence, pallidal
    # inhibition silences thalamus, Purkinje inhibition sets DCN rates); tuned so that the
    # intact network reproduces the human SRT range (first-block RT 350-600 ms).
    return {
        "visual->sma": 3.0,
        "visual->m1": 4.0,  # direct visuomotor route: the cue reaches M1 without waiting for SMA (issue 12); its learned part is the visuomotor synapses
        "visual->io": 3.0,
        "sma->sma": 0.3,
        "sma->sma_inh": 3.0,
        "sma_inh->sma": 1.5,
        "sma->m1": 4.0,
        "sma->m1:nmda": 0.2,
        # recurrent excitation of an M1 channel: 0.6 (0.3 until session 9) lets a strongly
        # predicted channel hold its preparation while a weak prediction decays, so a
        # deterministic sequence counts for more than a 62.5 % contingency (issue 12; 1.0: the
        # channels hold themselves on)
        "m1->m1": 0.6,
        "m1->m1_inh": 5.0,
        "m1_inh->m1": 3.0,
        "sma->d1": 8.0,
        "sma->d2": 8.0,
        "d1->gpi": 6.0,
        "d2->gpe": 6.0,
        "gpe->stn": 2.0,
        "gpe->gpi": 1.0,
        "stn->gpi": 2.0,
        "stn->gpe": 2.0,
        "gpi->vl": 3.0,
        "vl->sma": 4.0,
        "vl->m1": 8.0,  # 6 until the readout competition (issue 12, session 7): with it the prediction released through VL must be stronger to matter (random cost 40 -> 61 ms at 8, 3 participants)
        # CM-Pf reaches MSNs of both output pathways (Smith et al. 2004); D2 gets twice the D1
        # gain: with equal gains the novelty drive sped the first sequence block through the
        # direct pathway (389 vs 403 ms without CM-Pf, 4 participants). Session 11: 1.5 times
        # both (3 and 6 before): with the faster striatal learning the novelty drive that
        # habituates carries the early -> late shift (rate form 1.23 -> 1.33, 10 participants)
        "cmpf->d1": 4.5,
        "cmpf->d2": 9.0,
        "d1->snc": 4.0,
        "snc->d1": 0.0625,
        "snc->d2": 0.0625,
        "snc->sma": 0.0625,
        "mossy->granule": 8.0,
        "purkinje->dcn": 2.5,
        "dcn->vl": 6.0,
        "dcn->io": 4.0,
        "io->purkinje": 1.0,
        # feedforward inhibition from the stimulus: the cue drives its own channel's M1
        # interneurons, which inhibit the other channels, so a prepared wrong response is
        # suppressed by the stimulus (slowing) instead of winning (an error); the expected
        # response is activated first and then corrected (Eimer et al. 1996); with
        # m1->m1 0.6, random-block errors 16.6 % at 0, 12.4 % at 2, 9.8 % at 5, 6.1 % at 10
        "visual->m1_inh": 10.0,
    }


class ModelParameters(BaseModel):
    """All values of the spiking model that are not structure.

    Use :meth:`with_overrides`, :meth:`with_lesion` and :meth:`draw_individual` to derive
    variants; the object itself is frozen. Every field's description gives its source or the
    rationale of its value (also in ``models/README.md``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    # --- simulation -------------------------------------------------------------------------
    dt_ms: float = Field(
        1.0,
        gt=0,
        le=1.0,
        description="Integration step (ms); structure: changing it recompiles. 1 ms, the default of Nengo's LIF networks (Bekolay et al. 2014): every time constant is >= 5 ms (synapses) and 8 ms (membranes), refractory period and delays are whole steps, and 0.5 ms gives the same figures (srt-classic, 4 participants: first block 399 vs 401 ms, random cost 66 vs 75 ms).",
    )
    warmup_s: float = Field(
        1.0, ge=0.2, description="Settling time before the first stimulus (s), so tonic rates reach steady state."
    )
    rest_s: float = Field(
        30.0,
        ge=0,
        le=600,
        description="Rest (s) after the settling time and before the first trial, at every break the protocol gives between blocks (at least its breaks.min_s) and after the last trial: the network idles with its spontaneous activity, so the BOLD-like signal has a task-vs-rest baseline, as the 15-30 s rest blocks of block-design fMRI SRT studies. 30 s lets the haemodynamic response of a block decay (SPM HRF undershoot < 3% of the plateau 20 s after the block).",
    )
    # --- neurons ------------------------------------------------------------------------------
    threshold_mv: float = Field(20.0, description="Firing threshold above rest (mV); LIF convention (Brunel 2000).")
    reset_mv: float = Field(10.0, description="Reset potential above rest (mV).")
    refractory_ms: float = Field(2.0, description="Absolute refractory period (ms).")
    tau_m_ms: dict[str, float] = Field(
        default_factory=_default_tau_m, description="Membrane time constant per population (ms)."
    )
    bias_mv: dict[str, float] = Field(
        default_factory=_default_bias, description="Tonic drive per population (mV) setting spontaneous rates."
    )
    noise_mv: dict[str, float] = Field(
        default_factory=_default_noise, description="Membrane noise SD per population (mV)."
    )
    tau_ampa_ms: float = Field(5.0, description="AMPA-like synaptic decay (ms); Hestrin et al. 1990.")
    tau_nmda_ms: float = Field(
        80.0, description="NMDA-like slow decay (ms) of recurrent cortical excitation, the integrator of Wang (2002)."
    )
    tau_gaba_ms: float = Field(10.0, description="GABA_A decay (ms).")
    tau_dopamine_ms: float = Field(
        200.0,
        description="Decay of extracellular dopamine after release (ms); uptake half-life ~100-200 ms (Garris et al. 1994).",
    )
    tau_climbing_ms: float = Field(
        100.0,
        description="Window (ms) of the climbing-fibre signal for PF-Purkinje LTD (Wang et al. 2000: ~100-200 ms).",
    )
    weights: dict[str, float] = Field(
        default_factory=_default_weights, description="Gains of the fixed projections (mV per spike)."
    )
    weight_jitter: float = Field(
        0.1,
        ge=0,
        le=0.5,
        description="SD of the multiplicative log-normal jitter of fixed synaptic weights (per participant seed).",
    )
    # --- task interface ---------------------------------------------------------------------
    cue_drive_mv: float = Field(
        23.0,
        description="Drive of visual cue cells while the target is shown (mV); ~50 Hz visual responses. 26 until session 10: with the M1 recurrence and the stimulus's feedforward inhibition the first block fell to 342 ms; 23 gives 387 ms (20 participants).",
    )
    context_drive_mv: float = Field(
        24.0,
        description="Drive of context cells (mossy fibres, SMA context cells) for the current context (mV); ~30-40 Hz.",
    )
    reward_drive_mv: float = Field(
        10.0,
        description="Reward input to SNc after a correct response (mV; pause of equal size after an error): phasic burst 15-30 Hz, Schultz 1998.",
    )
    motor_reset_mv: float = Field(
        25.0,
        description="Drive of M1 interneurons after a key press (mV): end-of-movement inhibition that clears M1 for the next trial.",
    )
    visual_latency_ms: float = Field(
        50.0, description="Latency of visual cue cells (ms); V1/parietal responses 40-70 ms (Schmolesky et al. 1998)."
    )
    non_decision_ms: float = Field(
        150.0,
        description="Motor execution time added to the M1 threshold crossing (ms): corticospinal conduction + muscle + key travel (~80-150 ms).",
    )
    non_decision_sd_ms: float = Field(
        50.0,
        ge=0,
        description="Trial-to-trial SD of the motor execution time (ms): at each stimulus onset the trial's motor time is drawn log-normally with this SD around non_decision_ms (right-skewed, always positive), the s_t of diffusion-model fits (Ratcliff & Tuerlinckx 2002; a typical s_t, the width of a uniform, of 0.1-0.2 s in fits to young adults, Ratcliff & McKoon 2008, is an SD of 29-58 ms). With it the within-block RT SD of correct ASRT responses is 61-93 ms instead of 35-76 ms (10 participants; the shared ASRT data's older adults: 100-410 ms). A paced block's response window (the interval to the next beat minus the motor time) uses the trial's draw. 0: the same motor time on every trial.",
    )
    context_delay_ms: float = Field(
        100.0,
        ge=0,
        description="Delay (ms) after the key press before the context (efference copy of the response, previous stimulus) is updated; keeps the fading activity of the executed movement from being associated with the new context.",
    )
    reward_latency_ms: float = Field(
        50.0, description="Latency of the reward/error signal at SNc after the key press (ms)."
    )
    reward_duration_ms: float = Field(
        100.0, description="Duration of the phasic reward input (ms); DA bursts last ~100-200 ms (Schultz 1998)."
    )
    motor_reset_ms: float = Field(60.0, description="Duration of post-press M1 inhibition (ms).")
    suppression_mv: float = Field(
        15.0,
        ge=0,
        description="Inhibition of the M1 cells of the key just pressed (mV), from the threshold crossing for suppression_ms: the executed element of a sequence is suppressed so the next can win (competitive queuing, Bullock 2004; executed elements' representations fall after execution in prefrontal ensembles, Averbeck et al. 2002). Without it, in self-paced sequences (DSP, finger tapping) the next cue arrives while the channel just pressed is still active and that key is pressed again (perseveration).",
    )
    suppression_ms: float = Field(
        250.0,
        ge=0,
        description="Duration (ms) of the suppression of the key just pressed, from the threshold crossing (see suppression_mv).",
    )
    m1_adaptation_mv: float = Field(
        0.0,
        ge=0,
        description="Spike-frequency adaptation of M1 cells: hyperpolarising current added per spike (mV), decaying with adaptation_tau_ms (slow K+ currents, I_M / sAHP; Connors & Gutnick 1990). It can end the self-sustained up state of the M1 recurrence (m1->m1) at rest, as adaptation ends cortical up states (Sanchez-Vives & McCormick 2000; Compte et al. 2003): 0.45 does (rest < 30 Hz) but slows repeated keys and raises the ASRT L-H to 18-26 ms (10 participants, session 14). Off by default: the rest's withdrawn readiness drive (rest_disengagement_mv) ends the up state instead, see models/README.",
    )
    slip_rate: float = Field(
        0.015,
        ge=0,
        le=0.5,
        description="Probability that the finger that moves is a neighbour of the key the readout selected (left or right at random; the only neighbour at an edge): an execution error after the motor command, independent of the selection (a lapse rate, Wichmann & Hill 2001), so the efference copy and the next trial's context are the selected key. Session 16: 0.015 with readout_noise_hz 19 (was 0 and 20) brings the ASRT accuracy into the people's range (97.2 -> 96.5 %; shared data: 95.9 %) and keeps the srt-classic random-block errors 3.4 points above the sequence blocks (4.6 before), cost 25.7 % (20 participants), see models/README.",
    )
    rest_disengagement_mv: float = Field(
        4.0,
        ge=0,
        description="Readiness drive withdrawn from M1 cells during the rests between blocks (mV), from the end of the last movement before the rest to one RSI before the next stimulus: M1 is driven towards a response only while one is awaited (the slow negative potentials over motor cortex build up only then: contingent negative variation, Walter et al. 1964). Without it one M1 channel holds a 100-145 Hz up state of its recurrence (m1->m1) through every rest, and the first response after a break is often that key pressed as soon as the stimulus comes (first trial of each block: 20 % errors in srt-classic, 46 % in asrt, median RT ~255 ms; session 14). 4 mV (3-5 measured) ends it (max channel 2-7 Hz at rest) and leaves the other figures within their seed-to-seed spread, except the ASRT accuracy, which rises from 96.7 to 97.2 % (just above its 88-97 % range) as the first trials' anticipation errors go (session 15, models/README).",
    )
    adaptation_tau_ms: float = Field(
        500.0,
        ge=1,
        description="Decay time constant (ms) of the M1 adaptation current (slow afterhyperpolarisation: 0.5-2 s, Sah & Faber 2002).",
    )
    readout_tau_ms: float = Field(150.0, description="Time constant of the M1 population-rate readout (ms).")
    readout_threshold_hz: float = Field(
        50.0,
        description="M1 channel population rate (Hz) whose crossing is the response (Hanes & Schall 1996 threshold model). Above what anticipation alone gives the predicted channel, below the ~60 Hz the cued channel reaches: a prediction speeds or slows the response but rarely triggers it (at 30 Hz a third of random-block trials after learning were anticipation errors; with w_max_ctx_d1 = 8, 45 Hz gave 14% random-block errors, 50 Hz 6%, 3 participants).",
    )
    readout_noise_hz: float = Field(
        19.0,
        ge=0,
        description="SD (Hz) of noise in the response readout (downstream motor noise); with the network's own noise it sets RT variability and the base error rate of slips (decision noise, Ratcliff & McKoon 2008). With the 50-Hz threshold: 15 Hz gave 0.8-1.5% errors, 20 Hz 10%, 16.5 Hz 2.5% (srt-classic, 3 participants each). With the readout competition (session 7) 16.5 Hz gave 1.0% errors and 19 Hz 3.4%. Session 11: 20 (was 19); the conflict threshold (readout_conflict 0.2) removes slips as well as wrong predictions, 19 Hz then left 2.0% errors in srt-classic and 97.5% accuracy in asrt, 20 Hz 2.5% and 96.7% (20 participants). Session 16: 19 again, with execution slips (slip_rate 0.015) for the errors that are not selection errors.",
    )
    efference_ms: float = Field(
        100.0,
        description="Duration (ms) of the efference copy of the executed key press that reaches the MSNs of the pressed channel from the threshold crossing on. Only MSN spikes inside it make corticostriatal synapses eligible, so credit goes to the action taken, not to a channel that was only anticipated (Fee 2014, efference copy in striatal learning); without it anticipatory firing of a predicted channel is rewarded whenever the response is correct and a 62.5% contingency is learned like a 100% one.",
    )
    readout_preparation: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Gain of the response readout's integration of M1 output between trials (response preparation; 0: the readout starts each trial from zero at the stimulus). A channel the network predicts is prepared before the stimulus, as the lateralised readiness potential of the expected response starts before the stimulus in sequence blocks (Eimer et al. 1996); no key goes down before the stimulus. Session 10: 0. With M1 recurrence (m1->m1 0.6) the predicted channel holds its preparation in M1 itself; integrating it in the readout as well made 7-8 % of all srt-classic responses anticipations, pressed exactly the motor time after the stimulus (seeds 3-5; 2 % at 0.5, 0.1-0.6 % at 0), while the random-block cost of those participants hardly changed.",
    )
    readout_inhibition: float = Field(
        1.0,
        ge=0,
        description="Lateral inhibition between the channels' response readouts, relative to their leak: each readout is inhibited by the sum of the others (leaky competing accumulators, Usher & McClelland 2001). A prepared but wrong response then slows the cued one instead of winning the race: with the preparation on, 0 gave 10.8% random-block errors (4.5% in sequence blocks), 0.5 8.0%, 1.0 2.4% (0.7%), and a random cost of 54, 47 and 61 ms (3 participants).",
    )
    readout_conflict: float = Field(
        0.2,
        ge=0,
        description="Raise of each response's threshold per Hz of the other channels' readouts (response conflict). When a prepared response and the cued one are active together, the subthalamic nucleus, driven by the hyperdirect pathway, raises the decision threshold until the conflict is resolved (hold your horses: Frank 2006; Cavanagh et al. 2011; Aron & Poldrack 2006). 0: off. Session 11: 0.2 (was 0). With the faster striatal learning a wrong prediction won the race in 7.7% of random-block trials (2.7% in sequence blocks) without it; 0.15 gave 7.1 / 1.3% (20 participants), 0.25 5.5 / 1.1% but 1.8% errors overall, fewer than people make (10 participants).",
    )
    readout_rearm_hz: float = Field(
        15.0, description="Rate below which a channel can trigger another press (hysteresis)."
    )
    timer_drive_mv: float = Field(
        30.0,
        ge=0,
        description="Drive (mV) of the SMA timer cells (synchronisation-continuation tapping) at ramp level 1: interval-tuned ramping cells of medial premotor cortex whose rate climbs until a tap and resets (Merchant et al. 2011, 2013). With the 20-mV threshold the cells start firing at ramp ~0.67 and reach ~40 Hz at 1.",
    )
    timer_tau_ms: float = Field(
        20.0, description="Membrane time constant (ms) of the timer cells (cortical pyramidal cells ~20 ms)."
    )
    timer_noise_mv: float = Field(
        3.0,
        ge=0,
        description="Membrane noise SD (mV) of the timer cells (as other cortical cells; in-vivo 2-4 mV, Destexhe et al. 2001).",
    )
    timer_readout_tau_ms: float = Field(
        20.0, description="Time constant (ms) of the timer population-rate readout whose crossing is a tap command."
    )
    timer_threshold_hz: float = Field(
        35.0,
        description="Timer population rate (Hz) whose crossing is the tap command (threshold model of the ramp-to-threshold timing account; Durstewitz 2003, Merchant et al. 2011).",
    )
    timer_rearm_hz: float = Field(
        10.0,
        description="Rate below which the timer readout can command the next tap (hysteresis; the tap resets the ramp).",
    )
    timer_start_phase: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Ramp level at the second beat, when the first interval has set the slope: the first self-timed tap aims at the third beat, half an interval ahead of a tap that reacts to the beat. Without it (0) the first taps come ~250 ms late, closer to the next click than to their own, and pairing fails at 400-500 ms intervals (measured with the controller logic alone).",
    )
    timer_phase_correction: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Phase correction (alpha): share of the perceived tap-click asynchrony (in periods) removed from the ramp's phase. Linear phase correction of sensorimotor synchronisation, alpha ~0.3-0.9 (Mates 1994; Repp 2005; Repp & Keller 2004).",
    )
    timer_period_correction: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Period correction (beta): the slope changes by this share of the asynchrony (in periods), so a metronome's tempo is learned during synchronisation and kept in continuation (Mates 1994; Repp & Keller 2004: beta ~0.1-0.4).",
    )
    timer_clock_cv: float = Field(
        0.03,
        ge=0,
        le=0.5,
        description="CV of the ramp's slope from one tap cycle to the next (clock noise): the slope of SMA ramping activity varies from trial to trial and predicts the produced interval (Merchant et al. 2011; Jazayeri & Shadlen 2015), giving the scalar property (SD proportional to the interval) of the Wing-Kristofferson clock variance.",
    )
    tap_motor_sd_ms: float = Field(
        8.0,
        ge=0,
        description="SD (ms) of the motor delay between a tap command and the key going down (Wing & Kristofferson 1973 motor-delay variance, ~25-100 ms^2).",
    )
    beat_latency_ms: float = Field(
        50.0,
        ge=0,
        description="Latency (ms) at which a metronome beat is perceived by the timing circuit (the metronome is a flashing disc by default: visual latency 40-70 ms, Schmolesky et al. 1998).",
    )
    timer_level: float = Field(
        0.77,
        gt=0,
        le=2,
        description="Ramp level at which the timer's readout crosses threshold, readout lag included (measured: slope x continuation interval 0.69-0.84, mean 0.77, at the defaults above). The first inter-beat interval sets the slope to timer_level / interval, the slope interval-tuned ramping cells have for that interval (Merchant et al. 2013); errors are measured in periods (timer_level / slope).",
    )
    tap_feedback_ms: float = Field(
        90.0,
        ge=0,
        description="Latency (ms) at which a tap's tactile and kinaesthetic reafference is perceived. Synchronisation aligns the perceived tap with the perceived beat, so the tap leads the beat by tap_feedback_ms - beat_latency_ms: the sensory accumulator account of the negative mean asynchrony (Aschersleben 2002; Aschersleben et al. 2001: anaesthetising the finger makes it larger).",
    )
    # --- learning ---------------------------------------------------------------------------
    eta_striatum: float = Field(
        0.006,
        ge=0,
        description="Corticostriatal three-factor learning rate (per eligibility x dopamine x 10 ms; Reynolds et al. 2001; Shen et al. 2008). Session 17: 0.006 (was 0.003) with the faster relaxation of the unconsolidated weight (tau_fast_weight_s 20 s, was 60): a change is transmitted for a third of the time before it relaxes towards the consolidated weight, so twice the rate keeps the srt-classic random-block cost in range (24.0 % of the first-block RT, 20 participants; 18.8 % at 0.0045, 14.4 % at 0.003). Session 12: 0.003 (0.0022 in session 11, 0.0012 before), with D1 MSNs in a deeper down state (bias_mv.d1 2) and w_max_ctx_d1 10: the deeper down state slows the growth of every weight (fewer postsynaptic spikes make eligibility), the faster rate restores the deterministic transitions' weight (0.455 of the maximum at the end of srt-classic) while the 62.5% ASRT contexts' stays lower than before (0.098, was 0.120; 10 participants). Session 11: 0.0022 with the cerebellar rates a tenth, so this route separates the two and the cerebellar one does not. Eligibility forms only in the 100-ms efference window of the pressed channel. With the two time scales of the weight (tau_fast_weight_s, tau_consolidation_s) part of each change relaxes back until it is consolidated, so the rate is higher than the 0.001 used before them.",
    )
    d2_learning_ratio: float = Field(
        0.1,
        ge=0,
        description="D2 corticostriatal plasticity relative to D1 with the opposite sign of dopamine (Shen et al. 2008; Frank 2005). D2 learning has no heterosynaptic term, so it follows how often a channel is executed after a context rather than how reliably; 0.1 keeps it from carrying the ASRT triplet effect (at 0.25 D2 weights of ASRT high-frequency contexts fell as far as those of SRT transitions).",
    )
    tau_fast_weight_s: float = Field(
        20.0,
        gt=0,
        description="Time constant (s) with which a corticostriatal weight relaxes towards its consolidated value: the fast component of a two-state learner (Smith et al. 2006). Practice moves the transmitting weight quickly; a block of contrary experience (a random block) moves it away only until it is pulled back, so the sequence returns with the return block. Session 17: 20 s (was 60): at 60 s the transmitting weight of a 62.5 % ASRT context reached its level within the first five blocks and the triplet effect stayed there (L-H 14, 14, 14, 14 ms by epoch, 20 participants); at 20 s less of each change is transmitted before it is consolidated, so the effect grows as the consolidated weight catches up (14, 13, 19, 19 ms with eta_striatum 0.006 and tau_consolidation_s 400).",
    )
    tau_consolidation_s: float = Field(
        400.0,
        gt=0,
        description="Time constant (s) with which the consolidated corticostriatal weight follows the transmitting one: the slow component of a two-state learner (Smith et al. 2006; synaptic cascade of Benna & Fusi 2016). Minutes of practice are needed before what is learned stays, so learning grows over a session instead of saturating within a few blocks. Session 17: 400 s (was 600) with tau_fast_weight_s 20: the deterministic srt-classic transitions consolidate enough before the random block (6-7 min of practice) for the cost to stay in range (21.2 % at tau_fast 20, tau_consolidation 300, eta_striatum 0.0045; 18.8 % at 400).",
    )
    tau_eligibility_ms: float = Field(
        600.0,
        description="Decay of the synaptic eligibility trace (ms); ~1 s bridging action and outcome (Yagishita et al. 2014: 0.3-2 s window).",
    )
    stdp_tau_ms: float = Field(20.0, description="Pre-before-post STDP window (ms); Bi & Poo 1998.")
    stdp_pre_depression: float = Field(
        0.0,
        ge=0,
        description="Eligibility decrement per presynaptic spike whatever the action (homosynaptic depression of unused context inputs). 0: with efference-gated eligibility and heterosynaptic depression the weights already settle at the random-target level (a positive value lowers that level further for D1 and balances D2).",
    )
    heterosynaptic_ltd: float = Field(
        4.0,
        description="Eligibility decrement per presynaptic spike of a context->D1 synapse while another channel's key press is being executed (heterosynaptic depression of the unselected actions' synapses). With reward it makes the weight settle at p*A/(p*A + (1-p)*B) for a context followed by the channel with probability p, a steep function: a 62.5% ASRT contingency stays near the random level while a deterministic SRT transition grows towards the maximum. Set so that B/A is about 9 (context cells fire ~3.5 spikes in the 100-ms efference window; the executed channel's MSNs ~2.5 spikes).",
    )
    dopamine_baseline: float = Field(
        0.8,
        description="Dopamine level at tonic SNc firing in the intact network (units of the dopamine trace); three-factor rule uses DA - baseline. Not rescaled by lesions.",
    )
    w_max_ctx_d1: float = Field(
        10.0,
        description="Maximum gain of a context->D1 synapse (mV). With heterosynaptic depression the learned weight is a steep function of how reliably a context predicts a channel, so the maximum scales the deterministic SRT effect far more than the 62.5% ASRT one. Session 12: 10 (8 before) with D1 MSNs deeper in the down state (bias_mv.d1 2): a learned deterministic transition (0.46 of the maximum, 4.6 mV) lifts its MSNs out of the down state, a 62.5% context (0.10) hardly does, so the SRT cost is 5.2 times the last-epoch ASRT L-H (4.9 before; 20 participants) and the ASRT effect grows over the epochs (10 to 17 ms). At 13-14 mV the cost reached 27-30% but a wrong prediction won the race in 8-10% of random-block trials (10 participants; models/README.md, session 12). Earlier: at 4 mV the random-block cost was 7% of the first-block RT.",
    )
    w_max_ctx_d2: float = Field(3.5, description="Maximum gain of a context->D2 synapse (mV).")
    w_init_ctx_d1: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Initial context->D1 weight (fraction of maximum): near the equilibrium reached with uniformly random targets (measured 0.02-0.05 after 700 random trials), i.e. a participant arrives with experience of unpredictable stimuli.",
    )
    w_init_ctx_d2: float = Field(
        0.53,
        ge=0,
        le=1,
        description="Initial context->D2 weight (fraction of maximum), random-target equilibrium as for D1.",
    )
    eta_pf_ltd: float = Field(
        0.00001,
        ge=0,
        description="PF-Purkinje LTD per PF spike at unit climbing-fibre trace (Ito 2001; Marr 1969; Albus 1971). Session 11: 0.00001 (was 0.0001), LTP scaled with it. The olive's spontaneous climbing fibres outweigh the cue-evoked ones, so the depression is the same for a deterministic transition and a 62.5% ASRT context: this route adds to the ASRT effect as much as to the SRT cost and carries none of their difference (at 0.0001 with eta_striatum 0.0026-0.0032 the last-epoch ASRT L-H went above 20 ms). Earlier: quarter of the first value: the cerebellar route learns probabilistic contexts as readily as deterministic ones (no reward gating), so it carries most of the early ASRT effect: with this route off ASRT L-H was 5-8 ms in every epoch, at 0.00035 it was 15-20 ms already in epoch 1; halving it gave L-H growing over the session (11 -> 21 ms, 3 participants) while the SRT cost fell only from ~56 to ~53 ms. Session 7: 0.0001 with the readout preparation and competition, whose stronger prediction raised L-H again (3 participants: 8, 23, 16, 19 ms by epoch vs 13, 24, 24, 14 at 0.000175).",
    )
    eta_pf_ltp: float = Field(
        0.00000214,
        ge=0,
        description="PF-Purkinje LTP per PF spike without climbing fibre (Lev-Ram et al. 2002), balancing LTD (the same ratio to eta_pf_ltd as the first values, scaled with it). Left unscaled when eta_pf_ltd is lowered, LTP wins and every parallel-fibre weight drifts up (0.21 -> 0.29-0.32 over asrt), so Purkinje input grows with practice whatever is learned.",
    )
    w_max_pf: float = Field(6.0, description="Maximum gain of a PF->Purkinje synapse (mV).")
    w_init_pf: float = Field(0.21, ge=0, le=1, description="Initial PF weight (fraction of maximum).")
    eta_transition: float = Field(
        0.0002,
        ge=0,
        description="Slow Hebbian learning rate of SMA context -> SMA channel synapses (per spike pairing); slow by design (cortical consolidation; Doyon & Benali 2005). Hebbian and self-reinforcing (the predicted cell fires in anticipation), so it learns a 62.5% contingency like a 100% one; 0.0002 keeps its share of the ASRT effect small (at 0.0015 ASRT and SRT transition weights both rose from 0.69 to 0.85).",
    )
    transition_decay: float = Field(
        0.1,
        ge=0,
        description="Presynaptic-spike depression of transition synapses relative to eta_transition (keeps weights normalised).",
    )
    w_max_transition: float = Field(3.5, description="Maximum gain of a transition synapse (mV).")
    w_init_transition: float = Field(0.69, ge=0, le=1, description="Initial transition weight (fraction of maximum).")
    eta_visuomotor: float = Field(
        0.0002,
        ge=0,
        description="Hebbian learning rate of visual cue -> M1 synapses of the same channel (per pairing of a presynaptic trace with an M1 spike; soft-bounded). The cue cells fire only for the cued channel and its M1 cells then fire, so every executed trial strengthens that stimulus-response mapping whatever the order of the targets: practice speeds random and sequenced responses alike (general, sequence-independent skill; stimulus-response rule learning in SRT, Schwarb & Schumacher 2012; practice-related strengthening of premotor visuomotor associations, Brasted & Wise 2004). 0.0002 gives a control group (random blocks only) ~15 ms of speed-up over srt-classic (3 participants), a third or less of the sequence-specific cost, and lets ASRT low-frequency triplets speed up too.",
    )
    visuomotor_decay: float = Field(
        0.1,
        ge=0,
        description="Presynaptic-spike depression of visuomotor synapses relative to eta_visuomotor (keeps the weights below their maximum: equilibrium ~0.9 with ~12 cue spikes and ~9 M1 spikes per trial).",
    )
    w_max_visuomotor: float = Field(
        1.5,
        ge=0,
        description="Maximum gain of a visual -> M1 visuomotor synapse (mV); 8 per M1 cell (all cue cells of its channel).",
    )
    w_init_visuomotor: float = Field(
        0.33,
        ge=0,
        le=1,
        description="Initial visuomotor weight (fraction of maximum). With weights.visual->m1 at 4 mV it gives the same initial cue drive of M1 as the earlier fixed 6 mV route (2 synapses x 6 mV = 2 x 4 + 8 x 1.5 x 0.33 mV per M1 cell), so first-block RTs are unchanged and practice adds up to ~60% more.",
    )
    w_salience: float = Field(
        5.0,
        ge=0,
        description="Gain of visual cue cells -> CM-Pf (intralaminar thalamus) synapses before habituation (mV): a fresh cue makes the CM-Pf cells fire with it, as CM-Pf neurons answer behaviourally significant sensory events (Matsumoto et al. 2001); they excite the MSNs of every channel, a novelty drive that does not depend on the sequence.",
    )
    habituation_per_spike: float = Field(
        0.001,
        ge=0,
        le=1,
        description="Fraction of a visual -> CM-Pf synapse's efficacy lost per presynaptic spike (homosynaptic depression, the cellular basis of habituation; Castellucci & Kandel 1974). CM-Pf neurons answer alerting stimuli 'only for the first few times' (Matsumoto et al. 2001); with ~3-5 spikes per synapse per trial the striatal effect of the burst fades over the first three sequence blocks (srt-classic): task novelty that practice removes, whatever the sequence.",
    )
    habituation_recovery_s: float = Field(
        1800.0,
        gt=0,
        description="Time constant (s) of recovery from habituation; long-term habituation outlasts a session's breaks (Thompson & Spencer 1966).",
    )
    # --- lesions (fraction of capacity remaining, 1 = intact) ---------------------------------
    lesion_dopamine: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Dopamine release scale (Parkinson's disease: 0.2 = 80% depletion). Scales SNc->target dopamine and DA-dependent excitability of D1 (up) and D2 (down).",
    )
    lesion_cerebellum: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Fraction of Purkinje cells remaining (ataxia: 0.5 = half lost); lost cells are silent, and DCN excitability is lowered by the tonic inhibition they provided (homeostatic intrinsic plasticity, Turrigiano 2011), so the lesion removes learnable Purkinje modulation rather than flooding the thalamus.",
    )
    purkinje_tonic_hz: float = Field(
        55.0,
        description="Tonic Purkinje rate (Hz) used to compute the DCN's homeostatic compensation after a cerebellar lesion (the measured tonic rate of the intact network).",
    )
    lesion_cortex: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Fraction of SMA/premotor and M1 excitatory cells remaining (stroke); lost cells are silent.",
    )
    d1_dopamine_gain_mv: float = Field(
        3.0,
        description="Excitability of D1 MSNs added at full tonic dopamine (mV; removed in proportion to depletion). D1 receptors raise, D2 lower MSN excitability (Gerfen & Surmeier 2011).",
    )
    d2_dopamine_gain_mv: float = Field(3.0, description="Excitability of D2 MSNs removed at full tonic dopamine (mV).")

    @model_validator(mode="after")
    def _in_physical_range(self) -> ModelParameters:
        check_ranges(self)  # models/parameter_ranges.py: one table of ranges, with reasons
        return self

    # ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """All parameters as a plain, JSON-serialisable dict."""
        return self.model_dump(mode="json")

    def with_overrides(self, overrides: dict[str, Any]) -> ModelParameters:
        """Return a copy with some parameters replaced.

        Parameters
        ----------
        overrides : dict
            ``name -> value``; an entry of a dict parameter is ``"weights.sma->m1"`` or
            ``"bias_mv.gpi"``.

        Raises
        ------
        ModelError
            Unknown name or a value of the wrong type.
        """
        data = self.model_dump()
        for name, value in overrides.items():
            head, _, entry = name.partition(".")
            if head not in data:
                raise ModelError(f"--param: {name}: unknown parameter; known: {', '.join(sorted(data))}")
            if entry:
                if not isinstance(data[head], dict) or entry not in data[head]:
                    raise ModelError(f"--param: {name}: {head} has no entry {entry!r}")
                data[head] = {**data[head], entry: _as_float(name, value)}
            else:
                data[head] = value
        try:
            return ModelParameters(**data)
        except ValueError as exc:  # pydantic ValidationError
            first = str(exc).splitlines()
            raise ModelError(f"--param: {' '.join(first[1:3]).strip()}") from None

    def with_lesion(self, name: str, value: float) -> ModelParameters:
        """Return a copy with a lesion applied.

        Parameters
        ----------
        name : {'dopamine', 'cerebellum', 'cortex'}
            Which system is lesioned.
        value : float
            Fraction of capacity remaining, in [0, 1] (``dopamine=0.2`` = 80% depletion).
        """
        if name not in LESIONS:
            raise ModelError(f"--lesion: {name}: unknown lesion; allowed: {', '.join(LESIONS)}")
        value = _as_float(f"--lesion {name}", value)
        if not 0.0 <= value <= 1.0:
            raise ModelError(f"--lesion: {name}={value}: must be a fraction remaining between 0 and 1")
        return self.with_overrides({LESIONS[name]: value})

    def draw_individual(self, rng: np.random.Generator) -> ModelParameters:
        """Draw one participant's learning rates and gains around these values.

        Each parameter in :data:`VARIABLE_PARAMETERS` is multiplied by a log-normal factor
        with median 1 and the listed coefficient of variation.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the draw (seeded by the caller).
        """
        data = self.model_dump()
        for name, (cv, _) in VARIABLE_PARAMETERS.items():
            sigma = float(np.sqrt(np.log1p(cv**2)))
            data[name] = float(data[name] * rng.lognormal(0.0, sigma))
        return ModelParameters(**data)

    def check_complete(self) -> None:
        """Raise :class:`ModelError` if a population or projection lacks a value."""
        for field in ("tau_m_ms", "bias_mv", "noise_mv"):
            missing = set(_POPS) - set(getattr(self, field))
            if missing:
                raise ModelError(f"parameters: {field}: missing populations {sorted(missing)}")
        missing = set(projection_names()) - set(self.weights)
        if missing:
            raise ModelError(f"parameters: weights: missing projections {sorted(missing)}")


def _as_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: {value!r} is not a number") from None


class OfflineParameters(BaseModel):
    """The rest between two sessions of a study, run by the network (:mod:`.offline`).

    Not part of :class:`ModelParameters` (a single session's run and its sidecar do not
    depend on them); a study's sidecars record them (``Extra.Simulation.Study``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    replay_window_h: float = Field(
        6.0,
        ge=0,
        le=48,
        description="Hours after a session during which the network reactivates what it practised (h): the early post-training window in which consolidation is most sensitive to interference and reactivation (Brashers-Krug et al. 1996; Walker et al. 2003); conventional. Replay events are simulated only for this part of a delay.",
    )
    replay_events_per_hour: float = Field(
        5.0,
        ge=0,
        le=120,
        description="Spontaneous reactivation events simulated per hour of the replay window (1/h). Rest is mostly quiet; the simulated rest packs the events back to back (replay_gap_s apart) and the quiet time between them is applied in closed form (offline.relax_consolidation). 5/h gives 30 events (240 items) for any delay of 6 h or more, about 2 min of simulated rest (a few seconds to run); conventional, sets the run time.",
    )
    replay_length: int = Field(
        8,
        ge=2,
        le=32,
        description="Items per reactivation event: the SMA/premotor cells of every channel are driven alike and the network's own choice, through the learned SMA transitions, is the next item; practised sequences are replayed in chunks of a few items (Buch et al. 2021: the whole 5-item sequence).",
    )
    replay_gap_s: float = Field(
        0.5,
        ge=0.05,
        le=10,
        description="Quiet interval between two events in the simulated rest (s); the context is cleared, so each event starts afresh.",
    )
    compression: float = Field(
        3.0,
        ge=1,
        le=100,
        description="Time compression of replay: the non-decision time, the interval between replayed items and the context update delay are the task's (non_decision_ms, replay_item_ms, context_delay_ms) divided by it. People replay a practised sequence ~20x compressed in the rests of practice (Buch et al. 2021), but the network's own decision takes ~180-200 ms and cannot be compressed, and with shorter gaps the previous item's activity decides the next (a-b-a alternations): measured share of replayed triplets that are the learned ones (constructed learned network, 72 triplets, chance 1/9): 40 % at 1x, 28-32 % at 2-3x, 17 % at 5x, 10-14 % at 20x. 3 keeps replay following what was learned; the compression reached is logged.",
    )
    replay_item_ms: float = Field(
        600.0,
        ge=50,
        le=5000,
        description="Task-time interval between practised items that replay compresses (ms): a typical RT plus RSI.",
    )
    replay_timeout_ms: float = Field(
        400.0,
        ge=20,
        le=5000,
        description="Longest an item may take to be chosen (ms); without a choice the event ends (the context is cleared).",
    )
    replay_drive_mv: float = Field(
        23.0,
        ge=0,
        le=100,
        description="Mean drive of the SMA/premotor channel cells of every channel by the spontaneous input while an item is reactivated (mV); the default equals cue_drive_mv: a burst drives as strongly as a seen cue, but every channel at once. (It drove the visual cue cells until session 10; with the stimulus's feedforward inhibition, visual->m1_inh, a cue on every channel inhibits every M1 channel and 9 % of items were chosen; driving SMA, 100 %.)",
    )
    replay_input_hz: float = Field(
        200.0,
        gt=0,
        le=900,
        description="Rate of the spontaneous input spikes per cue cell during an item (Hz); each spike is an AMPA jump of replay_drive_mv/(replay_input_hz*tau_ampa), so the mean drive is replay_drive_mv.",
    )

    def to_dict(self) -> dict[str, float]:
        """Every value, for the sidecar."""
        return {k: float(v) for k, v in self.model_dump().items()}
