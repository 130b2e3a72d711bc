"""Speed and memory of the spiking model, against a Brian2 reference network (prints figures).

Measures, for one virtual participant doing a whole protocol (default: the 800 trials of
``srt-nissen-bullemer-1987``) on one core, C++ standalone:

* first compile time (code generation + C++ build, cold build folder);
* run time after the compile (re-running the binary with a new participant's
  trial list, seed and parameters through ``device.run(run_args=...)``), wall time per
  simulated trial and speed relative to real time;
* synaptic events per second: spikes of every neuron times its number of outgoing
  synapses, counted from the model's synapse objects, over the binary's run time;
* peak memory (resident set of the Python process plus its children, i.e. the
  simulation binary or the compiler, sampled every 20 ms with psutil; and the kernel's
  ``ru_maxrss`` figures);

and the same for a reference network of the same number of neurons: the Vogels & Abbott
(2005) current-based network (the "CUBA" benchmark of Brette et al., 2007: 80% excitatory,
20% inhibitory leaky integrate-and-fire neurons, tau_m = 20 ms, tau_e = 5 ms, tau_i = 10 ms,
V_t = -50 mV, V_r = -60 mV, E_l = -49 mV, refractory 5 ms, excitatory weight 1.62 mV,
inhibitory -9 mV, each neuron receiving 80 synapses as in the 4000-neuron original with
p = 0.02), simulated for the same biological time with the same time step and the same
standalone settings (one thread, same compiler flags). Each measurement runs in a fresh
process so memory figures do not mix.

Targets (issue 7): 800 trials in <= 60 s after the first compile, first compile <= 90 s,
<= 1 GB per worker, events/s >= half the reference's.

Run::

    .venv/bin/python tests/benchmarks/model_speed.py [--protocol srt-nissen-bullemer-1987]

References
----------
Vogels, T. P., & Abbott, L. F. (2005). Signal propagation and logic gating in networks of
integrate-and-fire neurons. J Neurosci, 25(46), 10786-10795.
Brette, R., et al. (2007). Simulation of networks of spiking neurons: a review of tools and
strategies. J Comput Neurosci, 23(3), 349-398.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import threading
import time

import numpy as np

# the engine's standalone settings (models/engine.py), used for the reference too
OPENMP_THREADS = 0
MAKE_ARGS = ["-j2"]
GCC_ARGS = ["-w", "-O2", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++17"]


class PeakMemory:
    """Sample the resident memory of this process plus all its children (psutil)."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _maxrss_mb() -> dict[str, float]:
    return {
        "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its waited-for children (the binary)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def _events(spike_counts: np.ndarray, synapse_sources: list[np.ndarray]) -> int:
    """Synaptic events: every spike of a neuron reaches each of its outgoing synapses."""
    n = spike_counts.size
    fan_out = np.zeros(n, dtype=np.int64)
    for sources in synapse_sources:
        fan_out += np.bincount(np.asarray(sources, dtype=np.int64), minlength=n)[:n]
    return int(np.sum(spike_counts.astype(np.int64) * fan_out))


# --------------------------------------------------------------------------- the model


def measure_model(protocol_name: str, participant_seeds: tuple[int, ...]) -> dict:
    """Compile the model cold, then run one participant per seed; in a fresh process."""
    from motorseq.models import ModelParameters, simulate_participant
    from motorseq.models.engine import get_engine
    from motorseq.protocols import generate_trials, load_protocol

    protocol = load_protocol(protocol_name)
    params = ModelParameters()
    workdir = tempfile.mkdtemp(prefix="motorseq-bench-")
    out: dict = {"protocol": protocol_name, "workdir": workdir}
    try:
        runs = []
        for k, seed in enumerate(participant_seeds):
            participant = f"{k + 1:02d}"
            trials = generate_trials(protocol, participant, seed=seed)
            with PeakMemory() as memory:
                cpu0 = _cpu()
                start = time.perf_counter()
                result = simulate_participant(protocol, trials, params, seed=seed, workdir=workdir)
                wall = time.perf_counter() - start
                cpu1 = _cpu()
            engine = get_engine(len(protocol.positions), params.dt_ms, workdir)
            h = engine.handle
            spikes = np.asarray(h.neurons.nspk[:])
            sources = [np.asarray(s.i[:]) for s in (h.fixed, h.corticostriatal, h.parallel_fibre, h.transition)]
            # M1 -> readout synapses (one per M1 cell), indexed in the neuron group
            m1 = engine.layout.indices("m1")
            sources.append(m1)
            responses = result.responses
            simulated = float(result.rates["time_s"].max()) + 0.1
            runs.append(
                {
                    "participant": participant,
                    "seed": seed,
                    "trials": int(len(trials)),
                    "responded": int(responses["rt"].notna().sum()),
                    "mean_rt_s": float(np.nanmean(responses["rt"].to_numpy(dtype=float))),
                    "wall_s": wall,
                    "python_cpu_s": cpu1[0] - cpu0[0],
                    "children_cpu_s": cpu1[1] - cpu0[1],
                    "binary_run_s": float(result.timings.get("run_s", np.nan)),
                    "simulated_s": simulated,
                    "spikes": int(spikes.sum()),
                    "events": _events(spikes, sources),
                    "peak_rss_mb": memory.peak / 2**20,
                }
            )
            if k == 0:
                out["compile_s"] = float(result.timings.get("compile_s", engine.compile_time_s))
                out["device"] = engine.mode
        out["runs"] = runs
        out["n_neurons"] = int(engine.layout.n_neurons)
        out["n_synapses"] = int(sum(len(s) for s in sources))
        out["dt_ms"] = float(params.dt_ms)
        out.update(_maxrss_mb())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- the reference


def measure_reference(n_neurons: int, duration_s: float, dt_ms: float, seed: int = 1) -> dict:
    """Build, compile and run the Vogels-Abbott CUBA network of ``n_neurons``; fresh process."""
    import brian2 as b2
    from brian2 import ms, mV, second

    workdir = tempfile.mkdtemp(prefix="motorseq-bench-cuba-")
    try:
        with PeakMemory() as compile_memory:
            start = time.perf_counter()
            b2.set_device("cpp_standalone", build_on_run=False, directory=workdir)
            b2.prefs.devices.cpp_standalone.openmp_threads = OPENMP_THREADS
            b2.prefs.devices.cpp_standalone.extra_make_args_unix = MAKE_ARGS
            b2.prefs.codegen.cpp.extra_compile_args_gcc = GCC_ARGS
            b2.BrianLogger.log_level_warn()
            b2.defaultclock.dt = dt_ms * ms
            b2.seed(seed)
            eqs = """
            dv/dt = (ge + gi - (v - E_l))/tau_m : volt (unless refractory)
            dge/dt = -ge/tau_e : volt
            dgi/dt = -gi/tau_i : volt
            """
            namespace = {
                "E_l": -49 * mV,
                "tau_m": 20 * ms,
                "tau_e": 5 * ms,
                "tau_i": 10 * ms,
                "V_t": -50 * mV,
                "V_r": -60 * mV,
                "w_e": 1.62 * mV,
                "w_i": -9 * mV,
            }
            group = b2.NeuronGroup(
                n_neurons,
                eqs,
                threshold="v > V_t",
                reset="v = V_r",
                refractory=5 * ms,
                method="exact",
                namespace=namespace,
            )
            group.v = "V_r + rand()*(V_t - V_r)"
            n_exc = int(round(0.8 * n_neurons))
            p = min(1.0, 80 / n_neurons)  # 80 inputs per neuron, as in the 4000-neuron original
            excitatory = b2.Synapses(group, group, on_pre="ge += w_e", namespace=namespace)
            inhibitory = b2.Synapses(group, group, on_pre="gi += w_i", namespace=namespace)
            excitatory.connect(condition=f"i < {n_exc}", p=p)
            inhibitory.connect(condition=f"i >= {n_exc}", p=p)
            spikes = b2.SpikeMonitor(group, record=False)
            b2.run(duration_s * second)
            b2.device.build(directory=workdir, compile=True, run=False, with_output=False)
            compile_s = time.perf_counter() - start
        with PeakMemory() as run_memory:
            cpu0 = _cpu()
            start = time.perf_counter()
            b2.device.run(directory=workdir, with_output=False)
            run_s = time.perf_counter() - start
            cpu1 = _cpu()
        counts = np.asarray(spikes.count[:])
        sources = [np.asarray(excitatory.i[:]), np.asarray(inhibitory.i[:])]
        out = {
            "n_neurons": n_neurons,
            "n_synapses": int(sum(len(s) for s in sources)),
            "simulated_s": duration_s,
            "dt_ms": dt_ms,
            "compile_s": compile_s,
            "run_s": run_s,
            "run_cpu_s": cpu1[1] - cpu0[1],
            "spikes": int(counts.sum()),
            "mean_rate_hz": float(counts.sum() / n_neurons / duration_s),
            "events": _events(counts, sources),
            "compile_peak_rss_mb": compile_memory.peak / 2**20,
            "run_peak_rss_mb": run_memory.peak / 2**20,
        }
        out.update(_maxrss_mb())
        return out
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _pinned(cores: int, function, *args):
    """Run ``function`` on the first ``cores`` CPUs (children, e.g. the compiler, inherit it)."""
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, available[:cores])
    return function(*args)


def _in_fresh_process(cores: int, function, *args):
    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(_pinned, (cores, function, *args))


def _check(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", default="srt-nissen-bullemer-1987")
    parser.add_argument(
        "--cores", type=int, default=1, help="CPUs the measurements may use (the targets are for one core)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[1, 2],
        help="one participant per seed; the first run includes the compile",
    )
    args = parser.parse_args(argv)
    if len(args.seeds) < 2:
        parser.error("--seeds: give at least two (the second measures the run after compiling)")

    import brian2

    print(
        f"motorseq model speed: protocol {args.protocol}, brian2 {brian2.__version__}, "
        f"python {sys.version.split()[0]}, pinned to {args.cores} of {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    model = _in_fresh_process(args.cores, measure_model, args.protocol, tuple(args.seeds))
    first, after = model["runs"][0], model["runs"][1:]

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in after]))

    run_wall, run_binary, run_cpu = mean("wall_s"), mean("binary_run_s"), mean("children_cpu_s")
    python_cpu, events, simulated, trials = mean("python_cpu_s"), mean("events"), mean("simulated_s"), mean("trials")
    peak_mb = max(r["peak_rss_mb"] for r in model["runs"])
    run_peak_mb = max(r["peak_rss_mb"] for r in after)
    model_rate, model_rate_cpu = events / run_binary, events / run_cpu

    reference = _in_fresh_process(
        args.cores, measure_reference, model["n_neurons"], round(simulated, 1), model["dt_ms"]
    )
    ref_rate = reference["events"] / reference["run_s"]
    ref_rate_cpu = reference["events"] / reference["run_cpu_s"]
    line = "  {:<48}{}"

    print()
    print(
        f"model: {model['n_neurons']} neurons, {model['n_synapses']} synapses, dt {model['dt_ms']} ms, "
        f"Brian2 device {model['device']}"
    )
    print(
        line.format(
            "first compile (code generation + C++ build):",
            f"{model['compile_s']:8.1f} s   [target <= 90 s: {_check(model['compile_s'] <= 90)}]",
        )
    )
    print(line.format("first participant, compile + run:", f"{first['wall_s']:8.1f} s"))
    for r in after:
        print(
            f"  participant {r['participant']} (seed {r['seed']}), {r['trials']} trials, "
            f"{r['simulated_s']:.1f} s simulated: {r['wall_s']:.1f} s wall, {r['binary_run_s']:.1f} s in the "
            f"binary ({r['children_cpu_s']:.1f} s CPU), mean RT {1000 * r['mean_rt_s']:.0f} ms, "
            f"{r['responded']} responses"
        )
    print(
        line.format(
            f"run after compile, {trials:.0f} trials (wall):",
            f"{run_wall:8.1f} s   [target <= 60 s: {_check(run_wall <= 60)}]",
        )
    )
    print(
        line.format(
            "  same, CPU time (binary + Python):",
            f"{run_cpu + python_cpu:8.1f} s   [target <= 60 s: {_check(run_cpu + python_cpu <= 60)}]",
        )
    )
    print(line.format("wall time per simulated trial:", f"{1000 * run_wall / trials:8.1f} ms"))
    print(line.format("real-time factor (simulated / wall):", f"{simulated / run_wall:8.1f} x"))
    print(line.format("synaptic events:", f"{events:12.4g}"))
    print(line.format("synaptic events per second (binary wall):", f"{model_rate:12.4g}"))
    print(line.format("synaptic events per CPU second:", f"{model_rate_cpu:12.4g}"))
    print(
        line.format(
            "peak memory, worker process + children (run):",
            f"{run_peak_mb:8.0f} MB   [target <= 1024 MB: {_check(run_peak_mb <= 1024)}]",
        )
    )
    print(
        line.format(
            "peak memory incl. first compile:",
            f"{peak_mb:8.0f} MB (ru_maxrss: python {model['self_maxrss_mb']:.0f} MB, "
            f"largest child {model['children_maxrss_mb']:.0f} MB)",
        )
    )
    print()
    print(
        f"reference (Vogels-Abbott CUBA): {reference['n_neurons']} neurons, "
        f"{reference['n_synapses']} synapses, {reference['simulated_s']:.1f} s simulated, "
        f"dt {reference['dt_ms']} ms, {reference['mean_rate_hz']:.1f} Hz mean rate"
    )
    print(line.format("compile:", f"{reference['compile_s']:8.1f} s"))
    print(line.format("run (wall):", f"{reference['run_s']:8.1f} s ({reference['run_cpu_s']:.1f} s CPU)"))
    print(
        line.format("real-time factor (simulated / wall):", f"{reference['simulated_s'] / reference['run_s']:8.1f} x")
    )
    print(line.format("synaptic events:", f"{reference['events']:12.4g}"))
    print(line.format("synaptic events per second (binary wall):", f"{ref_rate:12.4g}"))
    print(line.format("synaptic events per CPU second:", f"{ref_rate_cpu:12.4g}"))
    print(line.format("peak memory (run):", f"{reference['run_peak_rss_mb']:8.0f} MB"))
    print()
    ratio, ratio_cpu = model_rate / ref_rate, model_rate_cpu / ref_rate_cpu
    print(line.format("events/s, model / reference (wall):", f"{ratio:8.3f}   [target >= 0.5: {_check(ratio >= 0.5)}]"))
    print(
        line.format(
            "events/s, model / reference (CPU):", f"{ratio_cpu:8.3f}   [target >= 0.5: {_check(ratio_cpu >= 0.5)}]"
        )
    )
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} (wall times include waiting for other processes; "
        "CPU times do not)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
