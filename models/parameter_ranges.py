"""The physical range of every model parameter, and the check that enforces it.

:data:`RANGES` maps a parameter name to ``(low, high, reason)``; both bounds are allowed.
An entry of a dict parameter (``tau_m_ms``, ``bias_mv``, ``noise_mv``, ``weights``) takes
the range of ``"<name>.*"``. The ranges are deliberately wide: they keep out values
with no physical meaning (a zero or negative time constant, a learning rate that
saturates a synapse in one pairing, a threshold below the reset), not values a
retuning might want. :class:`~motorseq.models.ModelParameters` calls :func:`check_ranges`
on every instance, so ``--param``, individual draws and lesions are all checked; the
parameter table in ``models/README.md`` shows each range with its reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import ModelError

__all__ = ["RANGES", "ParameterRangeError", "check_ranges", "parameter_range", "range_text"]

_TAU = "shorter than the 1 ms step is not resolved; longer is no longer this process"

#: name -> (low, high, reason); bounds included. ``"<dict parameter>.*"`` covers its entries.
RANGES: dict[str, tuple[float, float, str]] = {
    # --- simulation
    "dt_ms": (0.01, 1.0, "every time constant is >= 5 ms; the network is built for steps of at most 1 ms"),
    "warmup_s": (0.2, 60.0, "long enough for tonic rates to settle (~10 membrane time constants)"),
    "rest_s": (0.0, 600.0, "a rest of at most 10 min between blocks"),
    # --- neurons
    "threshold_mv": (5.0, 50.0, "firing threshold 5-50 mV above rest (cortical cells ~15-25 mV)"),
    "reset_mv": (-30.0, 45.0, "reset between hyperpolarisation and threshold (must lie below threshold_mv)"),
    "refractory_ms": (0.0, 20.0, "absolute refractory periods are 0.5-5 ms; 20 ms caps rates at 50 Hz"),
    "tau_m_ms.*": (1.0, 100.0, "membrane time constants of central neurons are ~5-50 ms"),
    "bias_mv.*": (-30.0, 80.0, "tonic drive from hyperpolarised to a few times threshold (pacemakers)"),
    "noise_mv.*": (0.0, 20.0, "in-vivo membrane fluctuations are 2-4 mV SD (Destexhe et al. 2001)"),
    "tau_ampa_ms": (1.0, 20.0, f"AMPA currents decay in 1-10 ms; {_TAU}"),
    "tau_nmda_ms": (10.0, 500.0, "NMDA currents decay in 50-300 ms"),
    "tau_gaba_ms": (1.0, 100.0, f"GABA-A currents decay in 5-30 ms; {_TAU}"),
    "tau_dopamine_ms": (10.0, 5000.0, "dopamine uptake half-life 0.1-1 s"),
    "tau_climbing_ms": (10.0, 1000.0, "climbing-fibre LTD window 0.1-0.5 s"),
    "weights.*": (0.0, 50.0, "a gain >= 0 (the sign is the synapse type); 50 mV is 2.5 thresholds per spike"),
    "weight_jitter": (0.0, 0.5, "SD of a log-normal factor; beyond 0.5 weights span orders of magnitude"),
    # --- task interface
    "cue_drive_mv": (0.0, 100.0, "input drive between none and 5 thresholds"),
    "context_drive_mv": (0.0, 100.0, "input drive between none and 5 thresholds"),
    "reward_drive_mv": (0.0, 100.0, "input drive between none and 5 thresholds"),
    "motor_reset_mv": (0.0, 100.0, "input drive between none and 5 thresholds"),
    "visual_latency_ms": (0.0, 500.0, "visual latencies are 40-150 ms"),
    "non_decision_ms": (0.0, 1000.0, "motor execution takes 80-300 ms"),
    "non_decision_sd_ms": (0.0, 500.0, "an SD of at most a few times the motor time itself"),
    "context_delay_ms": (0.0, 1000.0, "the context update must come before the next stimulus"),
    "reward_latency_ms": (0.0, 1000.0, "dopamine responses follow outcomes by 50-200 ms"),
    "reward_duration_ms": (1.0, 2000.0, "phasic dopamine lasts 0.1-0.5 s"),
    "motor_reset_ms": (0.0, 1000.0, "post-movement inhibition lasts tens to hundreds of ms"),
    "suppression_mv": (0.0, 100.0, "an inhibition of the order of the drive (mV)"),
    "suppression_ms": (0.0, 2000.0, "post-execution suppression outlasts the movement by hundreds of ms"),
    "m1_adaptation_mv": (0.0, 20.0, "an afterhyperpolarisation of up to one threshold per spike"),
    "slip_rate": (0.0, 0.5, "at most every other press (people: lapse rates 0-6 %, Wichmann & Hill 2001)"),
    "rest_disengagement_mv": (0.0, 40.0, "up to two thresholds of tonic drive"),
    "adaptation_tau_ms": (1.0, 10000.0, "slow afterhyperpolarisations last 0.1-10 s"),
    "readout_tau_ms": (1.0, 2000.0, f"a leaky rate readout; {_TAU}"),
    "readout_threshold_hz": (1.0, 500.0, "a rate above 0 and below 1 / refractory period"),
    "readout_noise_hz": (0.0, 200.0, "noise SD below the maximum rate"),
    "readout_preparation": (0.0, 1.0, "a gain between none (cleared until the stimulus) and the full input"),
    "readout_inhibition": (0.0, 5.0, "inhibition from the other readouts up to a few times the leak"),
    "readout_conflict": (0.0, 5.0, "from none to a threshold raised by a few times the other readouts' rate"),
    "readout_rearm_hz": (0.0, 500.0, "a rate below the readout threshold (hysteresis)"),
    "efference_ms": (1.0, 1000.0, "at least one step; a copy outlasting a second would span the next trials"),
    "timer_drive_mv": (0.0, 100.0, "input drive between none and 5 thresholds"),
    "timer_tau_ms": (1.0, 100.0, "membrane time constants of central neurons are ~5-50 ms"),
    "timer_noise_mv": (0.0, 20.0, "in-vivo membrane fluctuations are 2-4 mV SD (Destexhe et al. 2001)"),
    "timer_readout_tau_ms": (1.0, 500.0, f"a leaky rate readout faster than the shortest interval; {_TAU}"),
    "timer_threshold_hz": (1.0, 500.0, "a rate above 0 and below 1 / refractory period"),
    "timer_rearm_hz": (0.0, 500.0, "a rate below the timer threshold (hysteresis)"),
    "timer_start_phase": (0.0, 1.0, "a ramp level between reset (0) and threshold (1)"),
    "timer_phase_correction": (0.0, 1.0, "0 (none) to 1 (the whole asynchrony in one beat); above 1 overshoots"),
    "timer_period_correction": (0.0, 1.0, "0 (none) to 1; above 1 the period oscillates"),
    "timer_clock_cv": (0.0, 0.5, "interval CVs of people are 0.02-0.15"),
    "timer_level": (0.01, 2.0, "the ramp crosses between just above reset and twice the drive scale"),
    "tap_motor_sd_ms": (0.0, 100.0, "motor-delay SDs are 3-15 ms (Wing & Kristofferson 1973)"),
    "beat_latency_ms": (0.0, 500.0, "auditory latencies are 10-50 ms, visual 40-150 ms"),
    "tap_feedback_ms": (0.0, 500.0, "somatosensory reafference reaches cortex in 20-150 ms"),
    # --- learning
    "eta_striatum": (0.0, 0.05, "w is a fraction of its maximum; beyond this one reward moves it across its range"),
    "d2_learning_ratio": (0.0, 10.0, "D2 plasticity of the order of D1's"),
    "tau_fast_weight_s": (1.0, 36000.0, "seconds to a session; fast state ~1 min (Smith et al. 2006)"),
    "tau_consolidation_s": (1.0, 360000.0, "seconds to days; slow state: minutes to hours"),
    "tau_eligibility_ms": (10.0, 10000.0, "eligibility traces last 0.3-2 s (Yagishita et al. 2014)"),
    "stdp_tau_ms": (1.0, 200.0, "STDP windows are 10-50 ms (Bi & Poo 1998)"),
    "stdp_pre_depression": (0.0, 10.0, "depression of the order of the potentiation per pairing"),
    "heterosynaptic_ltd": (0.0, 100.0, "a depression per presynaptic spike up to ~30x the potentiation of a pairing"),
    "dopamine_baseline": (0.0, 100.0, "a level of the (non-negative) dopamine trace"),
    "w_max_ctx_d1": (0.0, 50.0, "a synaptic gain, as weights.*"),
    "w_max_ctx_d2": (0.0, 50.0, "a synaptic gain, as weights.*"),
    "w_init_ctx_d1": (0.0, 1.0, "a fraction of the maximum"),
    "w_init_ctx_d2": (0.0, 1.0, "a fraction of the maximum"),
    "eta_pf_ltd": (0.0, 1.0, "a fraction of the weight lost per spike"),
    "eta_pf_ltp": (0.0, 1.0, "a fraction of the remaining range gained per spike"),
    "w_max_pf": (0.0, 50.0, "a synaptic gain, as weights.*"),
    "w_init_pf": (0.0, 1.0, "a fraction of the maximum"),
    "eta_transition": (0.0, 1.0, "a fraction of the remaining range gained per pairing"),
    "transition_decay": (0.0, 10.0, "depression of the order of the potentiation"),
    "w_max_transition": (0.0, 50.0, "a synaptic gain, as weights.*"),
    "w_init_transition": (0.0, 1.0, "a fraction of the maximum"),
    "eta_visuomotor": (0.0, 1.0, "a fraction of the remaining range gained per pairing"),
    "visuomotor_decay": (0.0, 10.0, "depression of the order of the potentiation"),
    "w_max_visuomotor": (0.0, 50.0, "a synaptic gain, as weights.*"),
    "w_init_visuomotor": (0.0, 1.0, "a fraction of the maximum"),
    "w_salience": (0.0, 50.0, "a synaptic gain, as weights.*"),
    "habituation_per_spike": (0.0, 1.0, "a fraction of the efficacy"),
    "habituation_recovery_s": (0.1, 86400.0, "recovery within a day at most"),
    # --- lesions
    "lesion_dopamine": (0.0, 1.0, "a fraction of capacity remaining"),
    "lesion_cerebellum": (0.0, 1.0, "a fraction of capacity remaining"),
    "lesion_cortex": (0.0, 1.0, "a fraction of capacity remaining"),
    "purkinje_tonic_hz": (1.0, 500.0, "Purkinje simple spikes fire at 20-100 Hz"),
    "d1_dopamine_gain_mv": (0.0, 50.0, "an excitability change below 2.5 thresholds"),
    "d2_dopamine_gain_mv": (0.0, 50.0, "an excitability change below 2.5 thresholds"),
}

#: Pairs (lower, higher) whose values must be ordered, with the reason.
ORDERED: tuple[tuple[str, str, str], ...] = (
    ("reset_mv", "threshold_mv", "a neuron is reset below its threshold"),
    ("readout_rearm_hz", "readout_threshold_hz", "the readout re-arms below the rate that triggers a press"),
    ("timer_rearm_hz", "timer_threshold_hz", "the timer re-arms below the rate that commands a tap"),
)


class ParameterRangeError(ModelError):
    """A parameter value is not finite or outside its physical range (names the parameter)."""


def parameter_range(name: str) -> tuple[float, float, str] | None:
    """Return ``(low, high, reason)`` of a parameter or dict entry (``"weights.sma->m1"``), if any."""
    if name in RANGES:
        return RANGES[name]
    head, dot, _ = name.partition(".")
    return RANGES.get(f"{head}.*") if dot else None


def range_text(name: str) -> str:
    """Return the range of ``name`` as ``"[low, high]"`` for the parameter table (empty if none)."""
    found = parameter_range(name)
    return "" if found is None else f"[{found[0]:g}, {found[1]:g}]"


def _values(params: Any) -> Iterator[tuple[str, Any]]:
    data = params if isinstance(params, Mapping) else dict(params)
    for name, value in data.items():
        if isinstance(value, Mapping):
            for entry, item in value.items():
                yield f"{name}.{entry}", item
        else:
            yield name, value


def check_ranges(params: Any) -> None:
    """Raise :class:`ParameterRangeError` for the first value that is not finite or out of range.

    Parameters
    ----------
    params : ModelParameters or mapping
        The parameter values (dict parameters are checked entry by entry).

    Raises
    ------
    ParameterRangeError
        ``name: value is outside its physical range low..high (reason)`` in one line.
    """
    values = dict(_values(params))
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            raise ParameterRangeError(f"{name}: {value!r} is not a finite number")
        found = parameter_range(name)
        if found is None:
            continue
        low, high, reason = found
        if not low <= value <= high:
            raise ParameterRangeError(f"{name}: {value:g} is outside its physical range {low:g} to {high:g} ({reason})")
    for lower, higher, reason in ORDERED:
        if lower in values and higher in values and not values[lower] < values[higher]:
            raise ParameterRangeError(
                f"{lower}: {values[lower]:g} must be below {higher} = {values[higher]:g} ({reason})"
            )
