"""A cached network starts without building Brian2 objects; its direct run reads what Brian2 reads.

The prepared build (:mod:`motorseq.models.prepared`) runs the compiled binary with the run
arguments written as Brian2 writes them and reads the result files itself. Checked here: a
fresh process with the prepared build in the cache builds no Brian2 network (no code
generated; Brian2 is imported only for the units of the run-time values) and returns the
same run as this process; and the arrays a direct run reads equal, bit for bit, those
Brian2's own ``device.run`` reads back for the same values (and that build has the session-7
savings: no index arrays for the controller's flags, no per-step efference update, no
per-step CPU-clock call).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from motorseq.models import REGIONS, ModelParameters
from motorseq.models.elements import element_plan
from motorseq.models.engine import Engine, _raw_run, _result_variables, get_engine, run_command
from motorseq.models.runtime_values import runtime_values
from motorseq.protocols import generate_trials, load_protocol
from motorseq.tasks.shorten import shorten_protocol

_CHILD = r"""
import json, sys, time
from motorseq.models import ModelParameters, simulate_participant
from motorseq.models.engine import get_engine
from motorseq.protocols import generate_trials, load_protocol
from motorseq.tasks.shorten import shorten_protocol

protocol = shorten_protocol(load_protocol("srt-classic"), max_trials_per_block=6, max_blocks=2)
trials = generate_trials(protocol, "01", seed=3)
res = simulate_participant(protocol, trials, ModelParameters(), seed=3, workdir=sys.argv[1])
engine = get_engine(len(protocol.positions), ModelParameters().dt_ms, sys.argv[1])
print("RESULT " + json.dumps({
    "network_built": engine.handle is not None,
    "hit": engine.cache.hit,
    "rt": res.responses["rt"].astype(float).fillna(-1).tolist(),
    "weights": float(sum(w.sum() for w in res.weights.values())),
}))
"""


@pytest.fixture(scope="module")
def protocol():
    return shorten_protocol(load_protocol("srt-classic"), max_trials_per_block=6, max_blocks=2)


def test_a_fresh_process_runs_the_cached_network_without_building_it(protocol, model_workdir, tmp_path):
    from motorseq.models import simulate_participant

    trials = generate_trials(protocol, "01", seed=3)
    here = simulate_participant(protocol, trials, ModelParameters(), seed=3, workdir=model_workdir)  # fills the cache
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "fresh")], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    child = json.loads(next(line[7:] for line in out.stdout.splitlines() if line.startswith("RESULT ")))
    assert child["hit"] is True
    assert child["network_built"] is False  # no network objects, no code generated
    assert child["rt"] == here.responses["rt"].astype(float).fillna(-1).tolist()
    assert child["weights"] == float(sum(w.sum() for w in here.weights.values()))


def test_the_direct_run_reads_exactly_what_brian2_reads(protocol, model_workdir, tmp_path):
    import brian2 as b2

    params = ModelParameters()
    trials = generate_trials(protocol, "01", seed=4)
    engine = get_engine(len(protocol.positions), params.dt_ms, model_workdir)
    plan = element_plan(protocol, trials, params.rest_s)
    values = runtime_values(
        engine.layout, params, plan.targets, plan.timing, 4, engine.max_trials, plan.pauses, plan.segments,
        plan.paces, plan.block_of,
    )  # fmt: skip
    direct = engine.run(values)

    # the same structure built with Brian2 in another folder, run through Brian2's device.run
    other = Engine.__new__(Engine)
    other.__dict__.update(engine.__dict__)
    other.project_dir = tmp_path / "brian2-run"
    other._build_with_brian2()
    h = other.handle
    # the build reads the controller's flags without index arrays, has no per-step efference
    # update, and its network loop reads the CPU clock once per run, not once per step
    assert h.neurons.variables.indices["tgt_c"] == "0"
    assert "efference" not in {obj.name for obj in h.neurons.contained_objects}
    loop = (other.project_dir / "network.cpp").read_text()
    loop = loop[loop.index("while(clock") : loop.index("Network::_globally_running = false;")]
    assert "elapsed_realtime = " not in loop
    run_args = {getattr(h, name): np.asarray(values[name]) for name in ("targets", "segments", "block_of")}
    run_args.update({getattr(h, name): np.asarray(values[name]) * b2.second for name in ("pauses", "paces")})
    for name, value in values.items():
        if "." in name:
            group, _, var = name.partition(".")
            view = getattr(h.objects()[group], var)
            run_args[view] = b2.Quantity(np.asarray(value, dtype=view.dtype), dim=view.dim)
    b2.prefs.devices.cpp_standalone.run_cmd_unix = run_command()
    b2.device.run(directory=str(other.project_dir), with_output=False, run_args=run_args)
    for var in list(b2.device.array_cache):
        b2.device.array_cache[var] = None
    read = {name: np.array(var.get_value()) for name, var in _result_variables(h).items()}
    through_brian2 = _raw_run(read, False, end_time=None)

    assert direct.trials["trial"].size == plan.targets.size
    for part in ("trials", "periods", "timing", "weights", "state"):
        mine, theirs = getattr(direct, part), getattr(through_brian2, part)
        assert sorted(mine) == sorted(theirs), part
        for key in mine:
            assert mine[key].dtype == theirs[key].dtype, (part, key)
            np.testing.assert_array_equal(mine[key], theirs[key], err_msg=f"{part}.{key}")
    for key in ("meter_t", "meter_spikes", "meter_synaptic"):
        np.testing.assert_array_equal(getattr(direct, key), getattr(through_brian2, key), err_msg=key)
    assert direct.meter_spikes.shape == (len(REGIONS), direct.meter_t.size)
    assert direct.end_time_s == through_brian2.end_time_s > 0
