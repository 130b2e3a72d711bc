"""Build the network once, run it many times.

C++ standalone (default): the network's code is generated once per process and structure
(number of channels, population sizes, time step) into its own directory; the binary is
compiled once per machine and taken from a persistent cache (:mod:`.build_cache`, keyed by
the generated code, Brian2 version and compiler) by every later process; then the
binary is re-run for every participant with ``device.run(run_args=...)``, which replaces the
trial list, the seed and every parameter value without recompiling. The random seed compiled
into the binary is overridden by a line inserted into ``main()`` that re-seeds the generator
from ``controller.seed_value`` right after the run arguments are applied. OpenMP is off (it is
slower than one thread for a network this size on a 2-core machine).

Children die with their parent: on Linux the binary is started through a small launcher that
asks the kernel to kill it when the process that started it dies (``PR_SET_PDEATHSIG``), so a
killed ``simulate`` (whose Dask workers exit with it) leaves no simulation running.

A run whose dynamics went non-finite (a NaN or infinite response time, rate, weight or state
variable) raises :class:`ModelError`: it is never returned, so never written as complete.

Runtime fallback (``mode="runtime"``, or automatically if no C++ compiler works): Brian2's
Cython target; the network is rebuilt for each run (Cython caches the compiled code) and run
in 10-s chunks until the controller reports the trial list done.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .brian_log import install_brian_filter
from .build_cache import CacheEntry, compiler_id, fetch_or_build
from .errors import ModelError
from .layout import Layout, NetworkSize, build_layout
from .network import MAX_RUN_S, NetworkHandle, build_network

__all__ = ["RawRun", "Engine", "get_engine", "nonfinite_values", "run_command"]

#: Run-time values that are trial lists (TimedArrays), not object variables.
_TIMED_ARRAYS = ("targets", "pauses", "segments", "paces", "block_of")


def _machine_id() -> str:
    """Return the machine's kind: a binary built with ``-march=native`` needs the same CPU features."""
    flags = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = hashlib.sha1(line.encode()).hexdigest()[:12]
                break
    return f"{sys.platform}-{platform.machine()}-{flags}"


_SEED_LINE = (
    "for (int _i = 0; _i < 1; _i++) brian::_random_generators[_i].seed((unsigned long) "
    "brian::_array_controller_seed_value[0]);"
)


# PR_SET_PDEATHSIG (1) = SIGKILL (9); exits if the parent died before the call took effect
_LAUNCHER = (
    "import ctypes, os, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)\n"
    "if os.getppid() != int(sys.argv[1]): os._exit(137)\n"
    "os.execv('./main', ['./main', *sys.argv[2:]])\n"
)


def run_command() -> list[str]:
    """Return the command that runs the compiled binary so that it dies with this process.

    On Linux a launcher sets the binary's parent-death signal to SIGKILL and then replaces
    itself with ``./main``; elsewhere the binary is run directly.
    """
    if not sys.platform.startswith("linux"):
        return ["./main"]
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid())]


def nonfinite_values(handle: NetworkHandle, raw: RawRun) -> str | None:
    """Name the first recorded value or state variable of a run that is NaN or infinite.

    Parameters
    ----------
    handle : NetworkHandle
        The network after the run (its groups' final state is read).
    raw : RawRun
        What the run recorded.

    Returns
    -------
    str or None
        ``"<what>: <n> of <m> values are NaN or infinite"``, or None when all are finite.
    """
    responded = np.asarray(raw.trials["resp"]) >= 0
    arrays = {
        "response times": np.asarray(raw.trials["rt"])[responded],
        "stimulus onsets": raw.trials["t_on"],
        "regional spike counts": raw.meter_spikes,
        "regional synaptic input": raw.meter_synaptic,
        **{f"{name} weights": values for name, values in raw.weights.items()},
    }
    for obj in sorted(handle.net.objects, key=lambda o: o.name):
        for var in sorted(getattr(getattr(obj, "equations", None), "diff_eq_names", ())):
            arrays[f"{obj.name}.{var}"] = obj.state(var, use_units=False)
    for what, values in arrays.items():
        values = np.asarray(values, dtype=float)
        bad = int(np.count_nonzero(~np.isfinite(values)))
        if bad:
            return f"{what}: {bad} of {values.size} values are NaN or infinite"
    return None


_CLOCK_LINE = re.compile(r"^\s*_array_\w+_clock_(?:timestep|t|dt)\[0\] = [^;]*;\s*$")


def _normalise_main(main: Path, before: tuple[str, os.stat_result] | None) -> None:
    """Make ``main.cpp`` the same in every process, so ``make`` reuses a compiled folder.

    Brian2 writes the clocks' initial values in the iteration order of a set of clocks,
    which differs between processes; every new process would then recompile ``main.o``.
    Runs of consecutive clock assignments (independent of each other) are sorted, and when
    the result equals the file as it was before this build its old time stamp is restored.
    """
    lines = main.read_text().splitlines(keepends=True)
    out: list[str] = []
    run: list[str] = []
    for line in [*lines, None]:
        if line is not None and _CLOCK_LINE.match(line):
            run.append(line)
            continue
        out.extend(sorted(run, key=lambda line: line.split("[")[0]))  # stable: same array keeps order
        run = []
        if line is not None:
            out.append(line)
    text = "".join(out)
    if text != "".join(lines):
        main.write_text(text)
    if before is not None and text == before[0]:
        os.utime(main, ns=(before[1].st_atime_ns, before[1].st_mtime_ns))


@dataclass
class RawRun:
    """What one simulation returns, before it is turned into tables."""

    trials: dict[str, np.ndarray]  # event monitor of the controller's "record" event
    meter_t: np.ndarray  # s, sample times of the regional meters
    meter_spikes: np.ndarray  # (regions, samples) cumulative spike counts
    meter_synaptic: np.ndarray  # (regions, samples) cumulative synaptic input (mV)
    end_time_s: float
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    periods: dict[str, np.ndarray] = field(default_factory=dict)  # ends of tapping periods
    timing: dict[str, np.ndarray] = field(default_factory=dict)  # taps, series, tempo of paced elements


class Engine:
    """One compiled (or runtime) network structure that can be run repeatedly.

    Parameters
    ----------
    n_channels : int
        Response channels.
    dt_ms : float
        Time step (ms).
    workdir : path, optional
        Folder for the standalone project (one per process); a temporary folder if omitted.
    mode : {'standalone', 'runtime'}
        Brian2 device.
    size : NetworkSize, optional
        Population sizes.
    max_trials : int
        Trial buffer size compiled into the binary.
    cache_root : path, optional
        Folder of the persistent build cache (:func:`.build_cache.cache_root` when omitted).

    Attributes
    ----------
    cache : CacheEntry or None
        Where the compiled binary came from; ``cache.hit`` is True when this process did not
        compile (standalone only).
    compile_time_s : float
        Seconds spent generating the code and, on a cache miss, compiling it.
    """

    def __init__(
        self,
        n_channels: int,
        dt_ms: float,
        workdir: str | os.PathLike | None = None,
        mode: str = "standalone",
        size: NetworkSize | None = None,
        max_trials: int = 4096,
        record_spikes: bool = False,
        cache_root: str | os.PathLike | None = None,
    ) -> None:
        if mode not in ("standalone", "runtime"):
            raise ModelError(f"engine: mode: {mode!r}; allowed: 'standalone', 'runtime'")
        self.n_channels = n_channels
        self.dt_ms = dt_ms
        self.mode = mode
        self.max_trials = max_trials
        self.record_spikes = record_spikes
        self.layout: Layout = build_layout(n_channels, size)
        self.key = self._structure_key()
        base = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="motorseq-brian-"))
        self.project_dir = (base / f"net-{self.key}").resolve()
        self.handle: NetworkHandle | None = None
        self._last_handle: NetworkHandle | None = None
        self.compile_time_s = 0.0
        self.cache_root = cache_root
        self.cache: CacheEntry | None = None
        if mode == "standalone":
            self._build_standalone()

    # ---------------------------------------------------------------------------------------
    def _structure_key(self) -> str:
        text = repr((self.n_channels, self.dt_ms, self.max_trials, self.layout.size.key(), self.record_spikes, 5))
        return hashlib.sha1(text.encode()).hexdigest()[:10]

    def _build_standalone(self) -> None:
        import brian2 as b2

        start = time.perf_counter()
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("cpp_standalone", build_on_run=False, directory=str(self.project_dir))
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
        b2.prefs.codegen.cpp.extra_compile_args_gcc = [
            "-w", "-O2", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++17",
        ]  # fmt: skip
        b2.BrianLogger.log_level_warn()
        install_brian_filter()
        self.handle = build_network(
            self.layout, self.dt_ms, self.max_trials, standalone=True, record_spikes=self.record_spikes
        )
        b2.device.apply_run_args()
        b2.device.insert_code("main", _SEED_LINE)
        self.handle.net.run(MAX_RUN_S * b2.second, report=None)
        self.project_dir.mkdir(parents=True, exist_ok=True)
        main = self.project_dir / "main.cpp"
        before = (main.read_text(), main.stat()) if main.exists() else None
        b2.device.build(directory=str(self.project_dir), compile=False, run=False, with_output=False)
        _normalise_main(main, before)
        from brian2.codegen.cpp_prefs import get_compiler_and_args

        compiler = get_compiler_and_args()[0]
        flags = (b2.prefs.codegen.cpp.extra_compile_args_gcc, b2.prefs.devices.cpp_standalone.extra_make_args_unix)
        self.cache = fetch_or_build(
            self.project_dir,
            lambda: b2.device.compile_source(str(self.project_dir), compiler, debug=False, clean=False),
            label=f"net-{self.key}",
            extra_key=repr((b2.__version__, compiler, compiler_id(), flags, _machine_id())),
            root=self.cache_root,
        )
        self.compile_time_s = time.perf_counter() - start

    # ---------------------------------------------------------------------------------------
    def run(self, values: dict[str, Any]) -> RawRun:
        """Run one simulation with the given run-time values (:func:`runtime_values`).

        Raises
        ------
        ModelError
            The dynamics went non-finite (NaN or infinite values); nothing is returned.
        """
        raw = self._run_standalone(values) if self.mode == "standalone" else self._run_runtime(values)
        problem = nonfinite_values(self._last_handle, raw)
        if problem is not None:
            raise ModelError(
                f"simulation: the dynamics went non-finite ({problem}); the run is not written "
                "(check the parameters, e.g. time constants and gains)"
            )
        return raw

    def _resolve(self, handle: NetworkHandle, name: str):
        obj_name, _, var = name.partition(".")
        return getattr(handle.objects()[obj_name], var)

    def _run_standalone(self, values: dict[str, Any]) -> RawRun:
        import brian2 as b2

        h = self.handle
        assert h is not None
        run_args: dict[Any, Any] = {
            h.targets: np.asarray(values["targets"], dtype=np.int32),
            h.pauses: b2.Quantity(np.asarray(values["pauses"], dtype=float), dim=b2.second.dim),
            h.segments: np.asarray(values["segments"], dtype=np.int32),
            h.paces: b2.Quantity(np.asarray(values["paces"], dtype=float), dim=b2.second.dim),
            h.block_of: np.asarray(values["block_of"], dtype=np.int32),
        }
        for name, value in values.items():
            if name in _TIMED_ARRAYS:
                continue
            view = self._resolve(h, name)
            run_args[view] = b2.Quantity(np.asarray(value, dtype=view.dtype), dim=view.dim)
        b2.prefs.devices.cpp_standalone.run_cmd_unix = run_command()
        start = time.perf_counter()
        try:
            b2.device.run(directory=str(self.project_dir), with_output=False, run_args=run_args)
        finally:
            for fname in list(b2.device.run_args_arrays):
                for path in (self.project_dir / "static_arrays").glob(fname + "*"):
                    path.unlink(missing_ok=True)
        run_time = time.perf_counter() - start
        for var in list(b2.device.array_cache):  # sizes of monitors change between runs
            b2.device.array_cache[var] = None
        for name in ("spk", "syn_tot"):  # 2-d monitor arrays: let Brian2 infer the new length
            var = h.meter_monitor.variables[name]
            var.size = (0, var.size[1])
        raw = self._collect(h)
        raw.timings = {
            "compile_s": self.compile_time_s,
            "compiled": float(self.cache is not None and not self.cache.hit),
            "run_s": run_time,
        }
        self._last_handle = h
        return raw

    def _run_runtime(self, values: dict[str, Any]) -> RawRun:
        import brian2 as b2

        start = time.perf_counter()
        b2.set_device("runtime")
        b2.prefs.codegen.target = "cython"
        b2.BrianLogger.log_level_warn()
        install_brian_filter()
        h = build_network(
            self.layout, self.dt_ms, self.max_trials, standalone=False, record_spikes=self.record_spikes,
            target_values=np.asarray(values["targets"], dtype=np.int32),
            pause_values=np.asarray(values["pauses"], dtype=float),
            segment_values=np.asarray(values["segments"], dtype=np.int32),
            pace_values=np.asarray(values["paces"], dtype=float),
            block_values=np.asarray(values["block_of"], dtype=np.int32),
        )  # fmt: skip
        for name, value in values.items():
            if name in _TIMED_ARRAYS:
                continue
            obj_name, _, var = name.partition(".")
            view = self._resolve(h, name)
            setattr(h.objects()[obj_name], var, b2.Quantity(np.asarray(value, dtype=view.dtype), dim=view.dim))
        b2.seed(int(values["controller.seed_value"]))
        elapsed = 0.0
        while h.controller.stopped[0] < 0.5 and elapsed < MAX_RUN_S:
            h.net.run(10 * b2.second, report=None)
            elapsed += 10.0
        raw = self._collect(h)
        raw.timings = {"compile_s": 0.0, "run_s": time.perf_counter() - start}
        self._last_handle = h
        return raw

    def _collect(self, h: NetworkHandle) -> RawRun:
        import brian2 as b2

        mon = h.trial_monitor
        trials = {
            "trial": np.asarray(mon.trial[:], dtype=int),
            "resp": np.asarray(mon.resp[:], dtype=int),
            "rt": np.asarray(mon.rt[:] / b2.second, dtype=float),
            "tgt": np.asarray(mon.tgt[:], dtype=int),
            "npress": np.asarray(mon.npress[:], dtype=int),
            "t_on": np.asarray(mon.t_on[:] / b2.second, dtype=float),
            "t_resp": np.asarray(mon.t_resp[:] / b2.second, dtype=float),
            "timed_out": np.asarray(mon.timed_out[:], dtype=int),
            "seg_start": np.asarray(mon.seg_start[:], dtype=int),
            "t_record": np.asarray(mon.t[:] / b2.second, dtype=float),
        }
        periods = {
            "seg_start": np.asarray(h.period_monitor.seg_start[:], dtype=int),
            "period_end": np.asarray(h.period_monitor.period_end[:] / b2.second, dtype=float),
        }
        timing = {
            "tap_trial": np.asarray(h.tap_monitor.trial[:], dtype=int),
            "tap_t": np.asarray(h.tap_monitor.t[:] / b2.second, dtype=float),
            "tap_slope": np.asarray(h.tap_monitor.slope[:] / b2.Hz, dtype=float),
            "series_trial": np.asarray(h.series_monitor.trial[:], dtype=int),
            "series_onset": np.asarray(h.series_monitor.t_on[:] / b2.second, dtype=float),
            "paced_trial": np.asarray(h.pace_monitor.trial[:], dtype=int),
            "paced_ioi": np.asarray(h.pace_monitor.cur_ioi[:] / b2.second, dtype=float),
        }
        mm = h.meter_monitor
        weights = {
            "corticostriatal": np.asarray(h.corticostriatal.w[:]),
            "parallel_fibre": np.asarray(h.parallel_fibre.w[:]),
            "transition": np.asarray(h.transition.w[:]),
            "visuomotor": np.asarray(h.visuomotor.w[:]),
            "salience": np.asarray(h.salience.w[:]),
            # the consolidated corticostriatal weight, carried between the sessions of a study
            "corticostriatal_ws": np.asarray(h.corticostriatal.ws[:]),
        }
        if h.spike_monitor is not None:
            weights["spike_i"] = np.asarray(h.spike_monitor.i[:])
            weights["spike_t"] = np.asarray(h.spike_monitor.t[:] / b2.second)
        return RawRun(
            trials=trials,
            meter_t=np.asarray(mm.t[:] / b2.second),
            meter_spikes=np.asarray(mm.spk[:]),
            meter_synaptic=np.asarray(mm.syn_tot[:]),
            end_time_s=_end_time(h, self.mode),
            weights=weights,
            periods=periods,
            timing=timing,
        )


def _end_time(h: NetworkHandle, mode: str) -> float:
    import brian2 as b2

    t_stop = float(h.controller.t_stop[0] / b2.second)  # set by the finish event
    if t_stop > 0:
        return t_stop
    if mode == "runtime":
        return float(h.net.t / b2.second)
    t = h.meter_monitor.t
    return float(t[-1] / b2.second) if len(t) else 0.0


_ENGINES: dict[tuple, Engine] = {}


def get_engine(
    n_channels: int,
    dt_ms: float,
    workdir: str | os.PathLike | None = None,
    mode: str | None = None,
    record_spikes: bool = False,
    cache_root: str | os.PathLike | None = None,
) -> Engine:
    """Return the engine for this structure in this process, built (compiled) on first use.

    Only one standalone structure is kept per process (Brian2's device is global); asking for
    another structure rebuilds in its own directory. ``mode`` defaults to the environment
    variable ``MOTORSEQ_BRIAN_MODE`` or ``"standalone"``; if the C++ build fails the Cython
    runtime is used. ``record_spikes`` builds the structure with a spike monitor on every
    neuron (its own compiled project). ``cache_root`` is the folder of the persistent build cache
    (:func:`.build_cache.cache_root` when omitted).
    """
    mode = mode or os.environ.get("MOTORSEQ_BRIAN_MODE", "standalone")
    key = (
        n_channels,
        dt_ms,
        str(Path(workdir).resolve()) if workdir else None,
        mode,
        bool(record_spikes),
        str(cache_root or ""),
    )
    if key in _ENGINES:
        return _ENGINES[key]
    if mode == "standalone":
        for other in [k for k in _ENGINES if k[3] == "standalone"]:
            del _ENGINES[other]
        try:
            engine = Engine(
                n_channels, dt_ms, workdir, "standalone", record_spikes=record_spikes, cache_root=cache_root
            )
        except (OSError, RuntimeError) as exc:  # no working compiler: fall back
            import warnings

            warnings.warn(f"C++ standalone build failed ({exc}); using the Cython runtime", stacklevel=2)
            engine = Engine(n_channels, dt_ms, workdir, "runtime", record_spikes=record_spikes)
    else:
        engine = Engine(n_channels, dt_ms, workdir, "runtime", record_spikes=record_spikes)
    _ENGINES[key] = engine
    return engine
