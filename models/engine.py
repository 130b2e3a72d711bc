"""Build the network once, run it many times.

C++ standalone (default): a network structure (number of channels, population sizes, time
step) is built, generated and compiled once per machine and kept in the build cache as a
*prepared build* (:mod:`.prepared`: the binary, its data files and the names of its run
arguments and results), keyed by a structure hash computed without Brian2. A process whose
structure is in the cache copies it into its own folder and runs the binary directly for every
participant, with the trial list, the seed and every parameter value as run arguments: no
Brian2 import, no network objects, no code generation. Otherwise the network is built with
Brian2 in its own directory, compiled (or the binary taken from :mod:`.build_cache`, keyed by
the generated code, Brian2 version and compiler) and stored as a prepared build. The random
seed compiled into the binary is overridden by a line inserted into ``main()`` that re-seeds
the generator from ``controller.seed_value`` right after the run arguments are applied. OpenMP
is off (it is slower than one thread for a network this size on a 2-core machine).

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
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import event_code, prepared
from .brian_import import import_brian2
from .brian_log import install_brian_filter
from .build_cache import CacheEntry, cache_root, compiler_id, fetch_or_build
from .errors import ModelError
from .layout import Layout, NetworkSize, build_layout
from .network import MAX_RUN_S, TRIAL_RECORD_VARIABLES, NetworkHandle, build_network
from .noise import NOISE_ENV
from .units import require_dimension

__all__ = ["RawRun", "Engine", "get_engine", "import_brian2", "nonfinite_values", "run_command"]

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


def nonfinite_values(raw: RawRun) -> str | None:
    """Name the first recorded value or state variable of a run that is NaN or infinite.

    Parameters
    ----------
    raw : RawRun
        What the run recorded, with the groups' final state (:attr:`RawRun.state`).

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
        **{name: raw.state[name] for name in sorted(raw.state)},
    }
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


_CLOCK_EVERY_STEP = (
    "        current = std::clock();\n        elapsed_realtime = (double)(current - start)/(1 * CLOCKS_PER_SEC);\n"
)
_LOOP_END = "    Network::_globally_running = false;\n"


def _patch_network(network: Path, before: tuple[str, os.stat_result] | None) -> None:
    """Read the CPU clock once per run instead of once per time step in Brian2's network loop.

    The loop of ``network.cpp`` calls ``std::clock()`` (a system call) after every step only
    to report the run's duration at the end; the two lines are moved after the loop (the
    reported duration is the same). Files of another Brian2 version without these lines are
    left alone. As in :func:`_normalise_main`, an unchanged result keeps its old time stamp.
    """
    text = network.read_text()
    uses_it = "if(elapsed_realtime>" in text  # a maximum run time reads the clock in the loop
    if text.count(_CLOCK_EVERY_STEP) == 1 and text.count(_LOOP_END) == 1 and not uses_it:
        text = text.replace(_CLOCK_EVERY_STEP, "").replace(_LOOP_END, _LOOP_END + _CLOCK_EVERY_STEP)
        network.write_text(text)
    if before is not None and text == before[0]:
        os.utime(network, ns=(before[1].st_atime_ns, before[1].st_mtime_ns))


_ELEMENT_LOOP = "    for(int _idx=0; _idx<_N; _idx++)\n"
_SIMD_PRAGMA = "    #pragma omp simd\n"
#: Code objects whose loop over the elements is vectorised (``#pragma omp simd``): the state
#: updates of the neurons and the timer cells and the corticostriatal dopamine update. Each
#: iteration reads its own element's variables, shared and linked values, other groups'
#: variables (``da_post``) and stateless functions, and writes only its own element
#: (:func:`_vectorise_loop` checks the writes), so the iterations are independent.
_SIMD_CODE_OBJECTS = (
    "neurons_stateupdater_codeobject.cpp",
    "timer_stateupdater_codeobject.cpp",
    "corticostriatal_dopamine_codeobject.cpp",
)
#: ``-ffast-math`` with ``-fno-finite-math-only`` does not define ``__FAST_MATH__``, so glibc's
#: ``math.h`` does not declare the vector variants of ``exp`` (libmvec, linked through
#: ``libm.so``) and a loop calling it stays scalar; this declaration adds them.
_SIMD_EXP = 'extern "C" { __attribute__((__simd__("notinbranch"))) double exp(double) noexcept; }\n'
_STORE = re.compile(r"^\s*_ptr_array_\w+\[([^\]]*)\]\s*[-+*/]?=", re.M)


def _has_vector_exp() -> bool:
    """Whether the C library has libmvec's x86-64 vector ``exp`` (glibc >= 2.22 on x86-64)."""
    return platform.libc_ver()[0] == "glibc" and platform.machine().lower() in ("x86_64", "amd64")


def _vectorise_loop(source: Path, before: tuple[str, os.stat_result] | None) -> None:
    """Mark the one loop over the elements of a generated code object for vectorisation.

    Brian2 declares some arrays without ``__restrict`` (the controller's, which the neurons
    read through linked variables), so the compiler cannot prove that the loop's stores leave
    them alone and keeps the loop scalar (one neuron at a time, the hash noise recomputed in
    full for each). ``#pragma omp simd`` (with ``-fopenmp-simd``: no OpenMP runtime, no
    threads) states that the iterations are independent, and the loop runs on vectors of
    elements; each element's arithmetic is the same as in the scalar loop except ``exp``,
    which with glibc on x86-64 becomes libmvec's vector ``exp`` (:data:`_SIMD_EXP`; within a
    few ulp of the scalar one). Left alone: files without exactly one such loop (another Brian2
    version) and loops that write an element other than their own (``[_idx]``). As in
    :func:`_normalise_main`, an unchanged result keeps its old time stamp.
    """
    text = source.read_text()
    body = text.partition(_ELEMENT_LOOP)[2]
    own = all(index.strip() == "_idx" for index in _STORE.findall(body))
    if text.count(_ELEMENT_LOOP) == 1 and _SIMD_PRAGMA not in text and own:
        text = text.replace(_ELEMENT_LOOP, _SIMD_PRAGMA + _ELEMENT_LOOP)
        if "exp(" in body and _has_vector_exp() and _SIMD_EXP not in text:
            lines = text.splitlines(keepends=True)
            last = max(k for k, line in enumerate(lines) if line.startswith("#include"))
            text = "".join([*lines[: last + 1], _SIMD_EXP, *lines[last + 1 :]])
        source.write_text(text)
    if before is not None and text == before[0]:
        os.utime(source, ns=(before[1].st_atime_ns, before[1].st_mtime_ns))


#: The header every generated source includes first (Brian2's ``objects.h``, brianlib and the
#: standard library: ~80,000 lines after preprocessing), forced in front of every source
#: (``-include``) and precompiled once per build (:func:`_compile_with_header`).
_PCH = "motorseq_pch.h"
_PCH_TEXT = (
    '#include "objects.h"\n#include "brianlib/common_math.h"\n#include "brianlib/stdint_compat.h"\n'
    "#include<cmath>\n#include<ctime>\n#include<iostream>\n#include<fstream>\n#include<climits>\n"
)
# a make rule with the makefile's own compiler and flags (a header precompiled with other
# flags would be ignored by the compiler)
_PCH_RULE = f"{_PCH}.gch: {_PCH}\n\t$(CXX) $(filter-out -include {_PCH},$(CXXFLAGS)) -x c++-header $< -o $@\n"


def _write_header(project_dir: Path) -> None:
    """Write the forced header :data:`_PCH` into the project (unchanged: its time stamp is kept)."""
    path = project_dir / _PCH
    if not path.is_file() or path.read_text() != _PCH_TEXT:
        path.write_text(_PCH_TEXT)


def _compile_with_header(project_dir: Path, compile_project: Any, make: str = "make") -> None:
    """Precompile the forced header, compile the project, then delete the precompiled header.

    Parsing the headers is most of the compile time of each of the ~130 generated sources
    (0.57 of 0.79 s); with the header precompiled a source takes ~0.3 s, and the object files
    are the same. The precompiled header (~55 MB) is deleted after the build; a later build
    in the folder that recompiles a few sources includes the header as text (slower, same
    result), as it does when precompiling fails.
    """
    gch = project_dir / f"{_PCH}.gch"
    rule = project_dir / "motorseq_pch.mk"
    rule.write_text(_PCH_RULE)
    try:
        if sys.platform != "win32":  # (MSVC builds get no forced header)
            with contextlib.suppress(OSError):
                command = [*shlex.split(make), "-f", "makefile", "-f", rule.name, gch.name]
                subprocess.run(command, cwd=project_dir, capture_output=True, check=False)
        compile_project()
    finally:
        gch.unlink(missing_ok=True)


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
    state: dict[str, np.ndarray] = field(default_factory=dict)  # final state variables, "group.var"


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
        self.prepared: prepared.Prepared | None = None
        self.last_state: dict[str, np.ndarray] = {}  # the last run's final state variables, "group.var"
        self.compile_time_s = 0.0
        self.cache_root = cache_root
        self.cache: CacheEntry | None = None
        if mode == "standalone":
            self._build_standalone()

    # ---------------------------------------------------------------------------------------
    def _structure_key(self) -> str:
        text = repr((self.n_channels, self.dt_ms, self.max_trials, self.layout.size.key(), self.record_spikes, 5))
        return hashlib.sha1(text.encode()).hexdigest()[:10]

    def _prepared_key(self) -> str:
        """Return the structure hash of :mod:`.prepared` (what the generated code and data depend on)."""
        from importlib.metadata import version

        env = {name: os.environ.get(name, "") for name in _COMPILER_ENV}
        return prepared.structure_key((
            self.n_channels, self.dt_ms, self.max_trials, self.layout.size.key(), self.record_spikes,
            os.environ.get(NOISE_ENV, "hash"), version("brian2"), compiler_id(), _COMPILE_ARGS + _PCH_ARGS, _MAKE_ARGS,
            _machine_id(), sorted(env.items()), sys.version_info[:2],
        ))  # fmt: skip

    def _build_standalone(self) -> None:
        """Take the prepared build from the cache, or build it with Brian2 and store it there."""
        start = time.perf_counter()
        cache = Path(self.cache_root) if self.cache_root is not None else cache_root()
        key = self._prepared_key()
        found = prepared.find(cache, key)
        if found is None:
            self._build_with_brian2()
            found = prepared.store(cache, key, self.project_dir, self._manifest())
            compiled = self.cache  # the compiled binary's entry: whether this process compiled
            assert compiled is not None
            self.cache = CacheEntry(found.path, key, compiled.hit, compiled.compile_s, compiled.waited_s)
        else:
            self.cache = CacheEntry(found.path, key, hit=True)
        found.install(self.project_dir)
        self.prepared = found
        self.compile_time_s = time.perf_counter() - start

    def _build_with_brian2(self) -> None:
        b2 = import_brian2()

        b2.device.reinit()
        b2.device.activate()
        b2.set_device("cpp_standalone", build_on_run=False, directory=str(self.project_dir))
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = list(_MAKE_ARGS)
        b2.prefs.codegen.cpp.extra_compile_args_gcc = list(_COMPILE_ARGS)
        device = b2.get_device()  # the device itself: an attribute set on ``b2.device`` stays on its proxy
        if sys.platform != "win32" and _PCH not in device.extra_compile_args:
            device.extra_compile_args += list(_PCH_ARGS)
        b2.BrianLogger.log_level_warn()
        install_brian_filter()
        self.handle = build_network(
            self.layout, self.dt_ms, self.max_trials, standalone=True, record_spikes=self.record_spikes
        )
        b2.device.apply_run_args()
        b2.device.insert_code("main", _SEED_LINE)
        self.handle.net.run(MAX_RUN_S * b2.second, report=None)
        self.project_dir.mkdir(parents=True, exist_ok=True)
        main, network = self.project_dir / "main.cpp", self.project_dir / "network.cpp"
        before = (main.read_text(), main.stat()) if main.exists() else None
        before_network = (network.read_text(), network.stat()) if network.exists() else None
        code_dir = self.project_dir / "code_objects"
        vectorised = [event_code.generated_source(code_dir, name) for name in _SIMD_CODE_OBJECTS]
        before_vectorised = [(p.read_text(), p.stat()) if p.exists() else None for p in vectorised]
        before_events = event_code.snapshot(self.project_dir)
        b2.device.build(directory=str(self.project_dir), compile=False, run=False, with_output=False)
        vectorised = [event_code.generated_source(code_dir, name) for name in _SIMD_CODE_OBJECTS]
        _normalise_main(main, before)
        _patch_network(network, before_network)
        for source, before_source in zip(vectorised, before_vectorised, strict=True):
            _vectorise_loop(source, before_source)
        event_code.apply(self.project_dir, before_events)
        from brian2.codegen.cpp_prefs import get_compiler_and_args

        compiler = get_compiler_and_args()[0]
        flags = (b2.prefs.codegen.cpp.extra_compile_args_gcc, b2.prefs.devices.cpp_standalone.extra_make_args_unix)
        _write_header(self.project_dir)
        self.cache = fetch_or_build(
            self.project_dir,
            lambda: _compile_with_header(
                self.project_dir,
                lambda: b2.device.compile_source(str(self.project_dir), compiler, debug=False, clean=False),
                b2.prefs.devices.cpp_standalone.make_cmd_unix,
            ),
            label=f"net-{self.key}",
            extra_key=repr((b2.__version__, compiler, compiler_id(), flags, _machine_id())),
            root=self.cache_root,
        )

    def _manifest(self) -> dict:
        import brian2 as b2

        h = self.handle
        assert h is not None
        timed = [h.targets, h.pauses, h.segments, h.paces, h.block_of]
        return prepared.manifest_of(b2.device, h.objects(), timed, _result_variables(h))

    # ---------------------------------------------------------------------------------------
    def run(self, values: dict[str, Any]) -> RawRun:
        """Run one simulation with the given run-time values (:func:`runtime_values`).

        Raises
        ------
        ModelError
            The dynamics went non-finite (NaN or infinite values); nothing is returned.
        """
        raw = self._run_standalone(values) if self.mode == "standalone" else self._run_runtime(values)
        self.last_state = raw.state
        problem = nonfinite_values(raw)
        if problem is not None:
            raise ModelError(
                f"simulation: the dynamics went non-finite ({problem}); the run is not written "
                "(check the parameters, e.g. time constants and gains)"
            )
        return raw

    def _run_standalone(self, values: dict[str, Any]) -> RawRun:
        """Run the compiled binary directly with the run-time values (:mod:`.prepared`)."""
        start = time.perf_counter()
        results = self.prepared.run(self.project_dir, values, run_command())
        run_time = time.perf_counter() - start
        raw = _raw_run(results, self.record_spikes, end_time=None)
        raw.timings = {
            "compile_s": self.compile_time_s,
            "compiled": float(self.cache is not None and not self.cache.hit),
            "run_s": run_time,
        }
        return raw

    def _run_runtime(self, values: dict[str, Any]) -> RawRun:
        b2 = import_brian2()

        start = time.perf_counter()
        b2.set_device("runtime")
        b2.prefs.codegen.target = "cython"
        b2.BrianLogger.log_level_warn()
        install_brian_filter()
        h = build_network(
            self.layout, self.dt_ms, self.max_trials, standalone=False, record_spikes=self.record_spikes,
            target_values=np.asarray(values["targets"], dtype=np.int32),
            pause_values=require_dimension("pauses", values["pauses"], b2.second),
            segment_values=np.asarray(values["segments"], dtype=np.int32),
            pace_values=require_dimension("paces", values["paces"], b2.second),
            block_values=np.asarray(values["block_of"], dtype=np.int32),
        )  # fmt: skip
        for name, value in values.items():
            if name in _TIMED_ARRAYS:
                continue
            obj_name, _, var = name.partition(".")
            view = getattr(h.objects()[obj_name], var)
            setattr(h.objects()[obj_name], var, require_dimension(name, value, view.dim))
        b2.seed(int(values["controller.seed_value"]))
        elapsed = 0.0
        while h.controller.stopped[0] < 0.5 and elapsed < MAX_RUN_S:
            h.net.run(10 * b2.second, report=None)
            elapsed += 10.0
        results = {name: np.array(var.get_value()) for name, var in _result_variables(h).items()}
        raw = _raw_run(results, self.record_spikes, end_time=float(h.net.t / b2.second))
        raw.timings = {"compile_s": 0.0, "run_s": time.perf_counter() - start}
        self.handle = h
        return raw


#: Compiler and make flags of the standalone build (part of the build cache's keys).
#: ``-fopenmp-simd`` honours the ``omp simd`` pragmas of :func:`_vectorise_loop` (no OpenMP runtime).
_COMPILE_ARGS = (
    "-w", "-O2", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++17", "-fopenmp-simd",
)  # fmt: skip
#: Put the precompiled header :data:`_PCH` in front of every source (given to the device, not
#: as a preference: Brian2 tests each preferred flag alone and would drop this pair).
_PCH_ARGS = ("-include", _PCH)
_MAKE_ARGS = ("-j2",)
#: Environment variables the compiler and make read (part of the prepared build's key).
_COMPILER_ENV = ("CXX", "CC", "CXXFLAGS", "CFLAGS", "CPPFLAGS", "LDFLAGS")

#: The plastic projections, whose weights a run returns.
_PLASTIC = ("corticostriatal", "parallel_fibre", "transition", "visuomotor", "salience")

#: What a run returns, by monitor or group: the variables read after the run.
_RESULTS = {
    "trial_monitor": (*TRIAL_RECORD_VARIABLES, "t"),
    "period_monitor": ("seg_start", "period_end"),
    "tap_monitor": ("trial", "t", "slope"),
    "series_monitor": ("trial", "t_on"),
    "pace_monitor": ("trial", "cur_ioi"),
    "meter_monitor": ("t", "spk", "syn_tot"),
    "controller": ("t_stop",),
    **{name: ("w",) for name in _PLASTIC},
    # the consolidated corticostriatal weight, carried between the sessions of a study
    "corticostriatal": ("w", "ws"),
}


def _result_variables(h: NetworkHandle) -> dict[str, Any]:
    """Return the Brian2 variables a run is read from, by ``"object.var"``.

    The monitors' and weights' variables of :data:`_RESULTS`, the spike monitor's (when
    spikes are recorded), and every differential-equation variable and spike count of every
    group (for the check that the dynamics stayed finite).
    """
    objects = {obj.name: obj for obj in h.net.objects}
    out = {}
    for name, variables in _RESULTS.items():
        for var in variables:
            out[f"{name}.{var}"] = objects[name].variables[var]
    if h.spike_monitor is not None:
        out["spike_monitor.i"] = h.spike_monitor.variables["i"]
        out["spike_monitor.t"] = h.spike_monitor.variables["t"]
    for obj in sorted(h.net.objects, key=lambda o: o.name):
        for var in sorted(getattr(getattr(obj, "equations", None), "diff_eq_names", ())):
            out[f"state:{obj.name}.{var}"] = obj.variables[var]
    out["state:neurons.nspk"] = h.neurons.variables["nspk"]
    return out


def _raw_run(results: dict[str, np.ndarray], record_spikes: bool, end_time: float | None) -> RawRun:
    """Turn the result arrays of a run (:func:`_result_variables`) into a :class:`RawRun`."""

    def ints(name: str) -> np.ndarray:
        return np.asarray(results[name], dtype=int)

    def floats(name: str) -> np.ndarray:
        return np.asarray(results[name], dtype=float)

    trials = {key: ints(f"trial_monitor.{key}") for key in ("trial", "resp", "tgt", "npress", "timed_out", "seg_start")}
    trials.update({key: floats(f"trial_monitor.{key}") for key in ("rt", "t_on", "t_resp", "t_nd_trial")})
    trials["t_record"] = floats("trial_monitor.t")
    trials = {key: trials[key] for key in _TRIAL_KEYS}
    periods = {"seg_start": ints("period_monitor.seg_start"), "period_end": floats("period_monitor.period_end")}
    timing = {
        "tap_trial": ints("tap_monitor.trial"),
        "tap_t": floats("tap_monitor.t"),
        "tap_slope": floats("tap_monitor.slope"),
        "series_trial": ints("series_monitor.trial"),
        "series_onset": floats("series_monitor.t_on"),
        "paced_trial": ints("pace_monitor.trial"),
        "paced_ioi": floats("pace_monitor.cur_ioi"),
    }
    weights = {name: np.asarray(results[f"{name}.w"]) for name in _PLASTIC}
    weights["corticostriatal_ws"] = np.asarray(results["corticostriatal.ws"])
    if record_spikes:
        weights["spike_i"] = np.asarray(results["spike_monitor.i"])
        weights["spike_t"] = floats("spike_monitor.t")
    meter_t = floats("meter_monitor.t")
    t_stop = float(results["controller.t_stop"][0])  # set by the finish event
    if t_stop <= 0:
        t_stop = end_time if end_time is not None else (float(meter_t[-1]) if meter_t.size else 0.0)
    return RawRun(
        trials=trials,
        meter_t=meter_t,
        meter_spikes=np.asarray(results["meter_monitor.spk"]).reshape(meter_t.size, -1).T,
        meter_synaptic=np.asarray(results["meter_monitor.syn_tot"]).reshape(meter_t.size, -1).T,
        end_time_s=t_stop,
        weights=weights,
        periods=periods,
        timing=timing,
        state={name[6:]: np.asarray(v) for name, v in results.items() if name.startswith("state:")},
    )


_TRIAL_KEYS = (*TRIAL_RECORD_VARIABLES, "t_record")


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
