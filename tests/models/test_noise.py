"""Counter-based membrane noise: a pure function of (seed, step, neuron), normal, same in every code target."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from motorseq.models.noise import NOISE_ENV, hash_normal, noise_equations


def test_values_are_standard_normal_and_independent_across_steps_neurons_and_seeds():
    z = hash_normal(12345, np.arange(400_000), 7)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    kurtosis = ((z - z.mean()) ** 4).mean() / z.var() ** 2 - 3
    assert abs(kurtosis - (-0.041)) < 0.03  # Binomial(48, 1/2) + uniform: -0.041 (a normal: 0)
    assert abs(np.mean(np.abs(z) > 1.96) - 0.05) < 0.002  # two-sided 5% tails as a normal's
    assert abs(np.corrcoef(z[:-1], z[1:])[0, 1]) < 0.01  # successive steps
    other_neuron = hash_normal(12345, np.arange(400_000), 8)
    other_seed = hash_normal(12346, np.arange(400_000), 7)
    assert abs(np.corrcoef(z, other_neuron)[0, 1]) < 0.01
    assert abs(np.corrcoef(z, other_seed)[0, 1]) < 0.01


def test_a_value_depends_only_on_its_seed_step_and_neuron():
    grid = hash_normal(7, np.arange(50)[:, None], np.arange(30)[None, :])
    assert np.array_equal(grid[13, 21], hash_normal(7, 13, 21))
    assert np.array_equal(grid[:, 21], hash_normal(7, np.arange(50), 21))  # alone or among others


_CYTHON_RUN = """
import json
import brian2 as b2
from motorseq.models.noise import hash_normal_function
b2.prefs.codegen.target = "cython"
equations = (
    "dv/dt = -v/(10*ms) + 2*mV*sqrt(2/(10*ms))*zn/sqrt(dt) : volt\\n"
    "zn = hash_normal(seed, timestep(t, dt), i) : 1\\n"
    "seed : integer\\n"
)
group = b2.NeuronGroup(6, equations, method="euler", namespace={"hash_normal": hash_normal_function()})
group.seed = 987654321
monitor = b2.StateMonitor(group, ["zn", "v"], record=True, when="start")
b2.Network(group, monitor).run(3 * b2.ms)
print(json.dumps({"zn": monitor.zn[:, :].tolist(), "v": (monitor.v[:, :] / b2.volt).tolist()}))
"""


def test_brian2_runs_the_same_numbers_as_numpy_cython_target():
    """In a fresh process: Brian2's device is global, and other tests leave it in C++ standalone mode."""
    pytest.importorskip("brian2")
    run = subprocess.run([sys.executable, "-c", _CYTHON_RUN], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    zn, v = np.asarray(out["zn"]), np.asarray(out["v"])
    steps = np.arange(30)
    assert np.allclose(zn, hash_normal(987654321, steps[None, :], np.arange(6)[:, None]), atol=1e-12)
    # Euler-Maruyama increment: v' = v (1 - dt/tau) + sigma sqrt(2 dt / tau) z
    expected = v[:, :-1] * (1 - 0.01) + 2e-3 * np.sqrt(2 * 1e-4 / 1e-2) * zn[:, :-1]
    assert np.allclose(v[:, 1:], expected, atol=1e-12)


def test_the_brian2_reference_noise_replaces_the_hash_term(monkeypatch):
    equations = "dv/dt = -v/tau + amp*zn/sqrt(dt) : volt\nzn = hash_normal(s, timestep(t, dt), i) : 1\ns : integer\n"
    assert noise_equations(equations) == equations
    monkeypatch.setenv(NOISE_ENV, "brian2")
    assert noise_equations(equations) == "dv/dt = -v/tau + amp*xi : volt\ns : integer\n"
    monkeypatch.setenv(NOISE_ENV, "fast")
    with pytest.raises(ValueError, match="MOTORSEQ_NOISE: 'fast'"):
        noise_equations(equations)
