"""Run-time values carry Brian2 units, and a value in the wrong unit is refused, naming it.

Every parameter with a unit (``_ms``, ``_s``, ``_mv``, ``_hz``) becomes a Brian2 quantity where
it is made into a run-time value (``models/runtime_values.py``), and each value must have the
dimension its variable declares in the model's equations (``models/network.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import DimensionMismatchError, Equations, Hz, Quantity, ms, mV, second
from brian2.units.fundamentalunits import get_dimensions
from motorseq.models import ModelError, ModelParameters
from motorseq.models import network as net
from motorseq.models.layout import build_layout
from motorseq.models.runtime_values import TaskTiming, runtime_values
from motorseq.models.units import in_unit, require_dimension

#: The equations each run-time object is built from (``models/network.py``).
DECLARED = {
    "neurons": net.NEURON_EQUATIONS,
    "controller": net.CONTROLLER_EQUATIONS,
    "readout": net.READOUT_EQUATIONS,
    "timer": net.TIMER_EQUATIONS,
    "timer_readout": net.TIMER_READOUT_EQUATIONS,
    "fixed": "w : 1\nkind : integer (constant)",
    "corticostriatal": net.CORTICOSTRIATAL_SYNAPSE,
    "parallel_fibre": net.PARALLEL_FIBRE_SYNAPSE,
    "transition": net.TRANSITION_SYNAPSE,
    "visuomotor": net.HEBBIAN_SYNAPSE,
    "salience": net.SALIENCE_SYNAPSE,
}
#: Trial-list buffers (TimedArrays) and their dimension.
BUFFERS = {"targets": 1, "pauses": second, "segments": 1, "paces": second, "block_of": 1}
UNITS = {"_ms": ms, "_s": second, "_mv": mV, "_hz": Hz}
#: Parameters with a unit that are not run-time values, and where they go instead.
NOT_RUN_TIME = {
    "dt_ms": "the clock's step, compiled into the network (engine.Engine)",
    "rest_s": "the task plan's rests (elements.element_plan), which reach Brian2 as 'pauses'",
}

LAYOUT = build_layout(4)
TIMING = TaskTiming(rsi_s=0.25, timeout_s=2.0, until_correct=False, sct=True, sct_ioi_s=0.5, sct_len_s=6.0)
# partial lesions, so the parameters that act through a lesion (lost Purkinje inhibition,
# dopamine-dependent MSN excitability) change run-time values too
PARAMS = ModelParameters().with_lesion("cerebellum", 0.5).with_lesion("dopamine", 0.5)


def _values(params: ModelParameters) -> dict:
    targets = np.array([0, 1, 2, 3], dtype=np.int32)
    pauses = np.array([3.0, 0.0, 0.0, 0.0, 3.0])
    paces = np.array([0.0, 0.6, -1.0, 0.0])
    return runtime_values(LAYOUT, params, targets, TIMING, 3, 16, pauses, paces=paces, block_of=np.ones(4))


def _declared_dimension(key: str):
    if key in BUFFERS:
        return get_dimensions(BUFFERS[key])
    obj, _, var = key.partition(".")
    return Equations(DECLARED[obj])[var].dim


def _unit_parameters() -> list[str]:
    return [name for name in ModelParameters.model_fields if name.endswith(tuple(UNITS))]


def test_every_run_time_value_has_the_dimension_its_variable_declares():
    values = _values(PARAMS)
    wrong = {
        key: (str(get_dimensions(value)), str(_declared_dimension(key)))
        for key, value in values.items()
        if get_dimensions(value) != _declared_dimension(key)
    }
    assert wrong == {}  # key: (given, declared)
    # e.g. membrane time constants are times, thresholds voltages, readout thresholds rates
    assert isinstance(values["neurons.tau_m"], Quantity)
    assert np.allclose(values["neurons.tau_m"] / ms, [PARAMS.tau_m_ms[p] for p in LAYOUT.pop])
    assert values["neurons.v_th"] == PARAMS.threshold_mv * mV
    assert values["readout.r_th"] == PARAMS.readout_threshold_hz * Hz
    assert values["controller.rsi"] == 0.25 * second
    assert list(np.asarray(values["paces"] / second)[:4]) == [0.0, 0.6, -1.0, 0.0]


def _nudged(name: str) -> tuple[ModelParameters, object]:
    """PARAMS with one parameter changed by 2 % (down if up leaves its range), and the change."""
    old = getattr(PARAMS, name)
    for factor in (1.02, 0.98):
        if isinstance(old, dict):
            new = {k: v * factor + 0.01 for k, v in old.items()}
            overrides = {f"{name}.{k}": v for k, v in new.items()}
            delta = np.array([new[p] - old[p] for p in LAYOUT.pop])
        else:
            new = old * factor + 0.01
            overrides, delta = {name: new}, new - old
        try:
            return PARAMS.with_overrides(overrides), delta
        except ModelError:
            continue
    raise AssertionError(f"{name}: no value 2 % away is in its range")


@pytest.mark.parametrize("name", _unit_parameters())
def test_each_parameter_with_a_unit_reaches_brian2_in_that_unit(name):
    """A change of d in a ``_ms`` parameter moves the times it sets by d ms, or a share of it (not d s)."""
    unit = UNITS["_" + name.rsplit("_", 1)[1]]
    changed, delta = _nudged(name)
    before, after = _values(PARAMS), _values(changed)
    moved = [k for k in before if not np.array_equal(np.asarray(before[k]), np.asarray(after[k]))]
    if name in NOT_RUN_TIME:
        assert moved == [], f"{name}: listed as {NOT_RUN_TIME[name]}, but changes {moved}"
        return
    assert moved, f"{name}: changes no run-time value"
    for key in [k for k in moved if _declared_dimension(k) == get_dimensions(unit)]:
        step = np.asarray(after[key] - before[key])  # SI units
        share = (step / (np.broadcast_to(delta, np.shape(step)) * float(unit)))[step != 0]
        # the whole change (e.g. a time constant) or a share of it (a lesion, half the drive of a
        # population); a value set in the wrong unit would be off by a factor 1000
        assert np.all((np.abs(share) >= 0.1) & (np.abs(share) <= 1 + 1e-9)), f"{name} -> {key}: share {share}"


def test_a_value_in_the_wrong_unit_is_refused_with_its_name():
    assert require_dimension("neurons.tau_m", 10 * ms, second.dim) == 10 * ms
    assert require_dimension("fixed.w", np.ones(3), 1) is not None
    with pytest.raises(DimensionMismatchError, match=r"neurons\.tau_m: needs a value in s, got one in 1"):
        require_dimension("neurons.tau_m", 0.01, second.dim)  # a bare float for a time
    with pytest.raises(DimensionMismatchError, match=r"neurons\.v_th: needs a value in V, got one in s"):
        require_dimension("neurons.v_th", np.full(2, 20.0) * ms, mV)
    with pytest.raises(DimensionMismatchError, match=r"fixed\.w: needs a value in 1, got one in V"):
        require_dimension("fixed.w", 3 * mV, 1)


def test_plain_numbers_come_out_of_a_quantity_only_in_its_own_dimension():
    assert in_unit(250 * ms, second) == 0.25
    assert in_unit(np.array([1.0, 2.0]) * second, ms).tolist() == [1000.0, 2000.0]
    with pytest.raises(DimensionMismatchError, match="rt: needs a value in s, got one in V"):
        in_unit(3 * mV, second, "rt")
    with pytest.raises(DimensionMismatchError, match="needs a value in s, got one in 1"):
        in_unit(0.25, second)  # a bare float is not taken for seconds


def test_the_engine_refuses_a_run_time_value_in_the_wrong_unit(model_workdir):
    from motorseq.models.engine import get_engine

    engine = get_engine(4, PARAMS.dt_ms, model_workdir)
    values = runtime_values(
        engine.layout, PARAMS, np.zeros(2, dtype=np.int32), TIMING, 3, engine.max_trials, np.zeros(3)
    )
    values["controller.t_nd"] = PARAMS.non_decision_ms / 1000.0  # the old way: a bare float for seconds
    with pytest.raises(DimensionMismatchError, match=r"controller\.t_nd: needs a value in s, got one in 1"):
        engine.run(values)
    values["controller.t_nd"] = PARAMS.non_decision_ms * mV
    with pytest.raises(DimensionMismatchError, match=r"controller\.t_nd: needs a value in s, got one in V"):
        engine.run(values)
