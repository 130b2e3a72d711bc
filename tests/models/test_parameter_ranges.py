"""Every model parameter has a physical range; values outside it or not finite are refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from motorseq.models import VARIABLE_PARAMETERS, ModelError, ModelParameters
from motorseq.models.parameter_ranges import RANGES, ParameterRangeError, check_ranges, parameter_range

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))


def test_every_parameter_and_dict_entry_has_a_range_with_a_reason():
    defaults = ModelParameters()
    for name, value in defaults:
        entries = [f"{name}.{key}" for key in value] if isinstance(value, dict) else [name]
        for entry in entries:
            found = parameter_range(entry)
            assert found is not None, f"{entry}: no range in models/parameter_ranges.py"
            low, high, reason = found
            assert low < high and reason
    assert set(RANGES) <= {n for n in ModelParameters.model_fields} | {
        f"{n}.*" for n, v in defaults if isinstance(v, dict)
    }, "a range for a parameter that does not exist"


def test_defaults_and_individual_draws_lie_in_their_ranges():
    check_ranges(ModelParameters())
    base = ModelParameters()
    for seed in range(300):  # a draw never leaves the ranges (the validator would raise)
        drawn = base.draw_individual(np.random.default_rng(seed))
        assert all(getattr(drawn, n) > 0 for n in VARIABLE_PARAMETERS)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tau_ampa_ms": 0}, "tau_ampa_ms"),
        ({"tau_gaba_ms": -5.0}, "tau_gaba_ms"),
        ({"tau_m_ms.d1": -1.0}, "tau_m_ms.d1"),
        ({"eta_striatum": float("inf")}, "eta_striatum"),
        ({"threshold_mv": float("nan")}, "threshold_mv"),
        ({"weights.sma->m1": float("1e400")}, "weights.sma->m1"),
        ({"noise_mv.m1": float("-inf")}, "noise_mv.m1"),
        ({"reset_mv": 25.0}, "reset_mv"),  # above the threshold
        ({"readout_threshold_hz": 1e9}, "readout_threshold_hz"),
    ],
)
def test_out_of_range_and_non_finite_values_are_refused_in_one_line(overrides, field):
    with pytest.raises(ModelError, match=field.replace(".", r"\.")) as exc:
        ModelParameters().with_overrides(overrides)
    assert "\n" not in str(exc.value)


def test_the_range_error_says_what_is_allowed_and_why():
    with pytest.raises(ParameterRangeError) as exc:
        ModelParameters().with_overrides({"tau_ampa_ms": 0})
    assert str(exc.value).startswith("tau_ampa_ms: 0 is outside its physical range 1 to 20 (")


@pytest.mark.parametrize(
    "assignment", ["tau_ampa_ms=0", "eta_striatum=inf", "threshold_mv=nan", "tau_nmda_ms=-80", "w_salience=1e400"]
)
def test_simulate_refuses_bad_values_with_exit_2_and_writes_nothing(tmp_path, assignment):
    out = tmp_path / "data"
    result = subprocess.run(
        [MOTORSEQ, "simulate", "srt-classic", "--out", str(out), "--participants", "1", "--param", assignment],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --param: " + assignment.split("=")[0]), lines
    assert "Traceback" not in result.stderr
    assert not out.exists()
