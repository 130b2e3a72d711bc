"""Throughput of the spiking model against a same-work Brian2 reference (issue 14; prints figures).

Every measurement runs in a fresh process pinned to one core (``os.sched_setaffinity``;
children such as the compiler and the simulation binary inherit it), C++ standalone, with
the engine's settings:

* **first compile**: code generation + C++ build into an empty build cache;
* **cached start**: a fresh ``motorseq simulate`` (one participant, one worker) with the
  cache filled, timed from the start of the ``motorseq`` process to the start of the
  simulation binary (what it spends before the first trial: imports, Dask, code
  generation, the cache look-up);
* **throughput** in participant-trials per core-second (CPU seconds of the binary plus the
  Python side) for the single-participant path (P = 1) and, when the model offers it,
  batches of P = 8 and 32 participants in one network;
* **same-work reference**: a plain Brian2 network with the model's neuron count, the same
  neuron equations, per-neuron values and membrane noise (the model's noise,
  ``$MOTORSEQ_NOISE``: counter-based by default, ``brian2`` for Brian2's ``xi``), and the
  same fixed synapses
  (every synapse of the model on the same pre/post pairs and delays, with fixed weights; no
  task controller, no plasticity, no readout, no monitors but a spike counter), run for the
  model's simulated time; the model's cost per neuron-step as a ratio to it. Without the
  task's cue and context input the reference's neurons fire less; both rates are printed;
* peak memory of a worker (the process and its children, sampled every 20 ms) and the
  wall time of one participant of the protocol (default ``srt-nissen-bullemer-1987``,
  800 trials);
* the projection of a 1000-participant ``srt-classic`` cohort on 2 cores from the
  measured throughput (``--cohort N`` also runs N participants for real with
  ``motorseq simulate srt-classic --participants N --workers 2``, not pinned, and prints
  its wall time next to the projection for N and the 1000 participants it implies).

Every figure with a target ends in ``[target ...: met]`` or ``[target ...: MISSED]``.
``--quick`` runs a shortened protocol (2 blocks) and skips nothing else.

Run (the machine is shared: say so with the figures)::

    nice -n 10 .venv/bin/python tests/benchmarks/model_speed.py [--quick] [--cohort 64]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
#: CPU per trial of the single-participant path when issue 14 was filed (37.6 s for the 800 trials of
#: srt-nissen-bullemer-1987 on one core, after a 60 s compile): the baseline of its 10 x target.
FILED_MS_PER_TRIAL = 47.0


class PeakMemory:
    """Sample the resident memory of this process plus all its children (psutil).

    The sampling thread's own CPU time (``cpu_s``: listing the children and reading their
    memory every 20 ms, ~0.1 s per second) is not the measured work's; the measurements
    subtract it from this process's CPU time.
    """

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self.cpu_s = 0.0
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
        start = time.thread_time()
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)
        self.cpu_s = time.thread_time() - start

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its waited-for children (the binary)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def _protocol(name: str, quick: bool):
    from motorseq.protocols import load_protocol
    from motorseq.tasks.shorten import shorten_protocol

    protocol = load_protocol(name)
    return shorten_protocol(protocol, max_blocks=2) if quick else protocol


# --------------------------------------------------------------------------- the model


def measure_compile(build_root: str) -> dict:
    """Compile the network into the empty cache under ``build_root``; fresh process."""
    os.environ["MOTORSEQ_BUILD_ROOT"] = build_root
    from motorseq.models import ModelParameters
    from motorseq.models.engine import get_engine

    with PeakMemory() as memory:
        cpu0 = _cpu()
        engine = get_engine(4, ModelParameters().dt_ms, Path(build_root) / "compile")
        cpu1 = _cpu()
    assert engine.cache is not None and not engine.cache.hit, "the cache was not empty"
    cpu = (cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1]) - memory.cpu_s
    return {"compile_s": engine.compile_time_s, "cpu_s": cpu, "peak_mb": memory.peak / 2**20, "device": engine.mode}


def measure_single(build_root: str, protocol_name: str, quick: bool, seeds: tuple[int, ...]) -> dict:
    """Run one participant per seed through the single-participant path (cache filled); fresh process."""
    os.environ["MOTORSEQ_BUILD_ROOT"] = build_root
    from motorseq.models import ModelParameters, simulate_participant
    from motorseq.models.engine import get_engine
    from motorseq.protocols import generate_trials

    protocol = _protocol(protocol_name, quick)
    params = ModelParameters()
    workdir = Path(build_root) / "single"
    runs = []
    for k, seed in enumerate(seeds):
        trials = generate_trials(protocol, f"{k + 1:02d}", seed=seed)
        with PeakMemory() as memory:
            cpu0 = _cpu()
            start = time.perf_counter()
            result = simulate_participant(protocol, trials, params, seed=seed, workdir=workdir)
            wall = time.perf_counter() - start
            cpu1 = _cpu()
        engine = get_engine(len(protocol.positions), params.dt_ms, workdir)
        runs.append(
            {
                "seed": seed,
                "trials": len(trials),
                "wall_s": wall,
                "cpu_s": (cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1]) - memory.cpu_s,
                "binary_cpu_s": cpu1[1] - cpu0[1],
                "sampler_cpu_s": memory.cpu_s,
                "simulated_s": float(result.timings["simulated_s"]),
                "spikes": int(np.asarray(engine.last_state["neurons.nspk"]).sum()),
                "peak_mb": memory.peak / 2**20,
                "compiled": bool(result.timings.get("compiled", 0.0)),
                "mean_rt_ms": 1000 * float(np.nanmean(result.responses["rt"].to_numpy(dtype=float))),
            }
        )
    layout = engine.layout
    n_syn = int(layout.conn["pre"].size + sum(v[0].size for v in layout.plastic.values()))
    return {"runs": runs, "n_neurons": int(layout.n_neurons), "n_synapses": n_syn, "dt_ms": float(params.dt_ms)}


def measure_batch(build_root: str, protocol_name: str, quick: bool, batch: int) -> dict | None:
    """Run ``batch`` participants in one batched network (None when the model has no batches)."""
    os.environ["MOTORSEQ_BUILD_ROOT"] = build_root
    try:
        from motorseq.models.batch import simulate_batch
    except ImportError:
        return None
    from motorseq.models import ModelParameters
    from motorseq.protocols import generate_trials

    protocol = _protocol(protocol_name, quick)
    trial_lists = [generate_trials(protocol, f"{k + 1:02d}", seed=k + 1) for k in range(batch)]
    params = [ModelParameters()] * batch
    seeds = list(range(1, batch + 1))
    workdir = Path(build_root) / f"batch-{batch}"
    simulate_batch(protocol, trial_lists[:1] * batch, params, seeds, workdir=workdir)  # compile (not timed)
    with PeakMemory() as memory:
        cpu0 = _cpu()
        start = time.perf_counter()
        simulate_batch(protocol, trial_lists, params, seeds, workdir=workdir)
        wall = time.perf_counter() - start
        cpu1 = _cpu()
    return {
        "batch": batch,
        "trials": int(sum(len(t) for t in trial_lists)),
        "wall_s": wall,
        "cpu_s": (cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1]) - memory.cpu_s,
        "peak_mb": memory.peak / 2**20,
    }


def measure_cached_start(build_root: str, out: str) -> dict:
    """Time a fresh ``motorseq simulate`` from its start to the start of the simulation binary."""
    import psutil

    env = {**os.environ, "MOTORSEQ_BUILD_ROOT": build_root}
    cmd = [MOTORSEQ, "simulate", "srt-classic", "--out", out, "--participants", "1", "--workers", "1"]
    cmd += ["--max-blocks", "1", "--max-trials-per-block", "4", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(proc.pid)
    started = parent.create_time()
    binary_start = None
    cpu: dict[int, float] = {}  # CPU seconds of every process of the command, last seen
    while proc.poll() is None and binary_start is None:
        try:
            for child in [parent, *parent.children(recursive=True)]:
                try:
                    times = child.cpu_times()
                    cpu[child.pid] = times.user + times.system
                    if os.path.basename(child.exe()) == "main" or child.cmdline()[:1] == ["./main"]:
                        binary_start = child.create_time()
                except psutil.Error:
                    continue
        except psutil.Error:
            break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=600)
    return {
        "seconds": None if binary_start is None else binary_start - started,
        "cpu_s": sum(cpu.values()),
        "no_compile": "(no compile)" in err,
        "returncode": proc.returncode,
        "stderr": err.strip().splitlines()[-3:],
    }


# --------------------------------------------------------------------------- the reference


def measure_reference(build_root: str, duration_s: float, seed: int = 1) -> dict:
    """The same-work reference network: the model's neurons and synapses, no task, no plasticity."""
    import brian2 as b2
    from brian2 import ms
    from motorseq.models import ModelParameters
    from motorseq.models.layout import build_layout
    from motorseq.models.network import FIXED_ON_PRE
    from motorseq.models.noise import hash_normal_function, noise_equations
    from motorseq.models.runtime_values import TaskTiming, runtime_values

    params = ModelParameters()
    layout = build_layout(4)
    values = runtime_values(layout, params, np.zeros(1, dtype=np.int32), TaskTiming(0.1, 1.0, False), seed, 1)
    workdir = tempfile.mkdtemp(prefix="reference-", dir=build_root)
    b2.set_device("cpp_standalone", build_on_run=False, directory=workdir)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    b2.prefs.codegen.cpp.extra_compile_args_gcc = [
        "-w", "-O2", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++17",
    ]  # fmt: skip
    b2.BrianLogger.log_level_warn()
    b2.seed(seed)
    clock = b2.Clock(params.dt_ms * ms, name="model_clock")
    eqs = """
    dv/dt = alive*(-v + (ge + gn - gi)*mV + bias)/tau_m + alive*noise_amp*zn/sqrt(dt) : volt (unless refractory)
    zn = hash_normal(seed_c, timestep(t, dt), i) : 1
    seed_c : integer (shared, constant)
    dge/dt = -ge/tau_ampa : 1
    dgn/dt = -gn/tau_nmda : 1
    dgi/dt = -gi/tau_gaba : 1
    dda/dt = -da/tau_da : 1
    dcf/dt = -cf/tau_cf : 1
    tau_m : second (constant)
    bias : volt (constant)
    noise_amp : volt*second**-0.5 (constant)
    alive : 1 (constant)
    syn : 1
    v_th : volt (shared, constant)
    v_reset : volt (shared, constant)
    t_ref : second (shared, constant)
    tau_ampa : second (shared, constant)
    tau_nmda : second (shared, constant)
    tau_gaba : second (shared, constant)
    tau_da : second (shared, constant)
    tau_cf : second (shared, constant)
    """
    neurons = b2.NeuronGroup(
        layout.n_neurons, noise_equations(eqs), threshold="v > v_th", reset="v = v_reset", refractory="t_ref",
        method="euler", clock=clock, name="neurons", namespace={"hash_normal": hash_normal_function()},
    )  # fmt: skip
    if "seed_c" in neurons.variables:
        neurons.seed_c = seed
    for name in ("v", "tau_m", "bias", "noise_amp", "alive", "v_th", "v_reset", "t_ref", "tau_ampa", "tau_nmda",
                 "tau_gaba", "tau_da", "tau_cf"):  # fmt: skip
        setattr(neurons, name, values[f"neurons.{name}"])  # quantities: Brian2 checks their units
    conn = layout.conn
    pre, post = [conn["pre"]], [conn["post"]]
    kind, delay, weight = [conn["kind"]], [conn["delay_ms"]], [np.asarray(values["fixed.w"])]
    for name, (p_pre, p_post) in layout.plastic.items():
        pre.append(p_pre)
        post.append(p_post)
        kind.append(np.zeros(p_pre.size, dtype=int))
        delay.append(np.full(p_pre.size, 1.0 if name == "parallel_fibre" else 2.0))
        gain = np.asarray(values[f"{name}.gmax"]) * np.asarray(values[f"{name}.w"])
        weight.append(np.broadcast_to(gain, p_pre.size))
    synapses = b2.Synapses(
        neurons, neurons, "w : 1\nkind : integer (constant)", on_pre=FIXED_ON_PRE, clock=clock, name="fixed"
    )
    synapses.connect(i=np.concatenate(pre), j=np.concatenate(post))
    synapses.kind = np.concatenate(kind)
    synapses.delay = np.concatenate(delay) * ms
    synapses.w = np.concatenate(weight)
    counter = b2.SpikeMonitor(neurons, record=False, name="counter")
    net = b2.Network(neurons, synapses, counter)
    net.run(duration_s * b2.second)
    start = time.perf_counter()
    b2.device.build(directory=workdir, compile=True, run=False, with_output=False)
    compile_s = time.perf_counter() - start
    with PeakMemory() as memory:
        cpu0 = _cpu()
        start = time.perf_counter()
        b2.device.run(directory=workdir, with_output=False)
        wall = time.perf_counter() - start
        cpu1 = _cpu()
    spikes = int(np.asarray(counter.count[:]).sum())
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "n_neurons": int(layout.n_neurons),
        "n_synapses": int(sum(p.size for p in pre)),
        "simulated_s": duration_s,
        "compile_s": compile_s,
        "wall_s": wall,
        "binary_cpu_s": cpu1[1] - cpu0[1],
        "rate_hz": spikes / layout.n_neurons / duration_s,
        "peak_mb": memory.peak / 2**20,
    }


# --------------------------------------------------------------------------- driver


def _pinned(function, *args):
    """Run ``function`` on one CPU (its children, the compiler and the binary, inherit it)."""
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])
    return function(*args)


def _in_fresh_process(function, *args):
    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(_pinned, (function, *args))


def _target(text: str, ok: bool) -> str:
    return f"[target {text}: {'met' if ok else 'MISSED'}]"


def _line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58}{value:>14}   {target}".rstrip())


def run_cohort_for_real(n: int, build_root: str, out: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``motorseq simulate srt-classic --participants n --workers 2`` (not pinned).

    The CPU time is that of the whole process tree (``simulate``, its Dask workers and their
    simulation binaries, all waited for): on a shared machine it shows what the run needs of
    the two cores when the wall time also holds the time spent waiting for other processes.
    """
    env = {**os.environ, "MOTORSEQ_BUILD_ROOT": build_root}
    cmd = [MOTORSEQ, "simulate", "srt-classic", "--out", out, "--participants", str(n), "--workers", "2", "--quiet"]
    before, start = os.times(), time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall, after = time.perf_counter() - start, os.times()
    cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", default="srt-nissen-bullemer-1987")
    parser.add_argument("--quick", action="store_true", help="shortened protocol (2 blocks)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="one P = 1 participant per seed")
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 32], help="batch sizes P to measure")
    parser.add_argument("--cohort", type=int, default=0, help="also run this many srt-classic participants")
    args = parser.parse_args(argv)

    import brian2

    print(
        f"motorseq model throughput: protocol {args.protocol}{' (quick: first 2 blocks)' if args.quick else ''}, "
        f"brian2 {brian2.__version__}, python {sys.version.split()[0]}, each measurement pinned to one core of "
        f"{os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at start (shared machine: wall times include "
        "waiting for other processes; CPU times do not)"
    )
    build_root = tempfile.mkdtemp(prefix="motorseq-speed-")
    try:
        compiled = _in_fresh_process(measure_compile, build_root)
        single = _in_fresh_process(measure_single, build_root, args.protocol, args.quick, tuple(args.seeds))
        start = _in_fresh_process(measure_cached_start, build_root, str(Path(build_root) / "start-out"))
        batches = [
            b for p in args.batches
            if (b := _in_fresh_process(measure_batch, build_root, args.protocol, args.quick, p)) is not None
        ]  # fmt: skip
        runs = single["runs"][1:] or single["runs"]  # the first run of the process pays the code generation
        simulated = float(np.mean([r["simulated_s"] for r in runs]))
        reference = _in_fresh_process(measure_reference, build_root, round(simulated, 1))
        cohort = None
        if args.cohort:
            load_before = os.getloadavg()[0]
            wall_n, cpu_n = run_cohort_for_real(args.cohort, build_root, str(Path(build_root) / "cohort"))
            cohort = (wall_n, cpu_n, (load_before, os.getloadavg()[0]))
    finally:
        shutil.rmtree(build_root, ignore_errors=True)

    trials = float(np.mean([r["trials"] for r in runs]))
    cpu = float(np.mean([r["cpu_s"] for r in runs]))
    binary_cpu = float(np.mean([r["binary_cpu_s"] for r in runs]))
    wall = float(np.mean([r["wall_s"] for r in runs]))
    spikes = float(np.mean([r["spikes"] for r in runs]))
    through_1 = trials / cpu
    throughputs = {1: through_1, **{b["batch"]: b["trials"] / b["cpu_s"] for b in batches}}
    best_p = max(throughputs, key=throughputs.get)
    n, dt_s = single["n_neurons"], single["dt_ms"] / 1000
    model_ns = 1e9 * binary_cpu / (n * simulated / dt_s)
    ref_ns = 1e9 * reference["binary_cpu_s"] / (reference["n_neurons"] * reference["simulated_s"] / dt_s)

    print()
    print(
        f"model: {n} neurons, {single['n_synapses']} synapses, dt {single['dt_ms']} ms, device {compiled['device']}; "
        f"{trials:.0f} trials, {simulated:.1f} s simulated per participant, mean rate "
        f"{spikes / n / simulated:.1f} Hz"
    )
    _line("first compile (code generation + C++ build):", f"{compiled['compile_s']:.1f} s",
          _target("<= 90 s", compiled["compile_s"] <= 90))  # fmt: skip
    _line("  CPU time of the first compile (Python + compiler):", f"{compiled['cpu_s']:.1f} s")
    if start["seconds"] is None:
        _line("cached start of simulate (before the first trial):", "n/a", _target("< 5 s", False))
        print("    " + " | ".join(start["stderr"]))
    else:
        _line("cached start of simulate (before the first trial):", f"{start['seconds']:.1f} s",
              _target("< 5 s", start["seconds"] < 5))  # fmt: skip
    _line("  CPU time of simulate before the first trial:", f"{start['cpu_s']:.1f} s")
    _line("  second simulate compiled nothing (cache hit):", "yes" if start["no_compile"] else "NO",
          _target("no compile", start["no_compile"]))  # fmt: skip
    for r in single["runs"]:
        print(
            f"    P = 1, seed {r['seed']}: {r['trials']} trials, {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
            f"({r['binary_cpu_s']:.1f} s in the binary; memory sampler's {r['sampler_cpu_s']:.2f} s left out), "
            f"mean RT {r['mean_rt_ms']:.0f} ms, peak {r['peak_mb']:.0f} MB"
        )
    _line("throughput, P = 1 (participant-trials per core-second):", f"{through_1:.1f}")
    for b in batches:
        print(f"    P = {b['batch']}: {b['trials']} trials, {b['wall_s']:.1f} s wall, {b['cpu_s']:.1f} s CPU")
        _line(f"throughput, P = {b['batch']}:", f"{b['trials'] / b['cpu_s']:.1f}")
    missing = [p for p in args.batches if p not in throughputs]
    if missing:
        _line(f"throughput, P = {', '.join(map(str, missing))}:", "n/a", "(no batched simulation in this model)")
    gain = throughputs[best_p] / through_1
    _line(f"improvement, best P = {best_p} over P = 1 (same run):", f"{gain:.1f} x", _target(">= 10 x", gain >= 10))
    # the issue's own baseline (issue 14, when filed): 37.6 s CPU for an 800-trial session, 47 ms per trial
    filed_ms = FILED_MS_PER_TRIAL
    now_ms = 1000 * cpu / trials / (throughputs[best_p] / through_1)
    _line("CPU per participant-trial now (best P, binary + Python):", f"{now_ms:.1f} ms")
    _line(f"improvement over the path when issue 14 was filed ({filed_ms:.0f} ms per trial):",
          f"{filed_ms / now_ms:.1f} x", _target(">= 10 x", filed_ms / now_ms >= 10))  # fmt: skip
    steps_per_trial = simulated / dt_s / trials
    reference_ms = ref_ns * 1e-6 * reference["n_neurons"] * steps_per_trial
    _line("  the same-work reference alone (same neurons, synapses, noise; no task, no plasticity):",
          f"{reference_ms:.1f} ms per trial",
          f"(10 x needs <= {filed_ms / 10:.1f} ms: "
          f"{'below' if reference_ms > filed_ms / 10 else 'above'} what the reference costs)")  # fmt: skip
    _line("cost per neuron-step, model (binary CPU):", f"{model_ns:.1f} ns")
    _line(f"cost per neuron-step, same-work reference ({reference['rate_hz']:.1f} Hz):", f"{ref_ns:.1f} ns")
    _line("model / reference:", f"{model_ns / ref_ns:.2f} x", _target("<= 1.5 x", model_ns / ref_ns <= 1.5))
    peak = max([r["peak_mb"] for r in single["runs"]] + [b["peak_mb"] for b in batches if b["batch"] == best_p])
    _line(f"peak memory per worker (P = {best_p}):", f"{peak:.0f} MB", _target("<= 1024 MB", peak <= 1024))
    label = "wall per participant" + (" (quick: shortened)" if args.quick else "") + f", {args.protocol}:"
    _line(label, f"{wall:.1f} s", _target("<= 60 s", wall <= 60))
    classic_trials = 696
    projection = 1000 * classic_trials / (throughputs[best_p] * 2)
    _line("1000 srt-classic participants on 2 cores (projected):", f"{projection / 60:.1f} min",
          _target("< 60 min", projection < 3600))  # fmt: skip
    if cohort is not None:
        wall_n, cpu_n, load_n = cohort
        projected_n = args.cohort * classic_trials / (throughputs[best_p] * 2)
        _line(f"{args.cohort} srt-classic participants on 2 cores (projected):", f"{projected_n / 60:.1f} min")
        _line(f"{args.cohort} srt-classic participants, simulate --workers 2 (measured):", f"{wall_n / 60:.1f} min",
              f"(wall, load average {load_n[0]:.1f} before, {load_n[1]:.1f} after)")  # fmt: skip
        _line("  its CPU time (all processes) / 2 cores:", f"{cpu_n / 2 / 60:.1f} min")
        from_run = 1000 * wall_n / args.cohort
        _line(f"1000 srt-classic participants (from the {args.cohort} measured):", f"{from_run / 60:.1f} min",
              _target("< 60 min", from_run < 3600))  # fmt: skip
        from_cpu = 1000 * cpu_n / args.cohort / 2
        _line(f"  from the CPU time of the {args.cohort} (2 cores to themselves):", f"{from_cpu / 60:.1f} min")
    print(f"reference: compile {reference['compile_s']:.1f} s, run {reference['wall_s']:.1f} s wall, "
          f"{reference['binary_cpu_s']:.1f} s CPU, peak {reference['peak_mb']:.0f} MB")  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
