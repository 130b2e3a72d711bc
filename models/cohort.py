"""Run a cohort of virtual participants through Dask.

Each participant is one Dask task: generate the protocol's trial list, draw the
participant's parameters, simulate the spiking network and write the files
(:func:`motorseq.models.output.write_participant`, which makes them appear
atomically). The client only schedules tasks, shows progress and writes the
dataset-level files.

* A local cluster (``processes=True, threads_per_worker=1``) by default, or an
  existing cluster given by its scheduler address; the output folder must then
  be on a file system every worker sees.
* Participants ``"01"``, ``"02"``, ...; each gets its own seed from the cohort
  seed through :class:`numpy.random.SeedSequence` (child *i* of the cohort
  seed), so a participant's data do not depend on how many others run or in
  which order.
* Participants whose run is already written are skipped if it was made as this
  request would make it (protocol, seed, parameters including lesions and the
  individual draw, code version: :mod:`motorseq.models.provenance`); a run made
  otherwise is refused before anything is written, or replaced with ``force``.
  A participant that fails is reported with its error and the others finish.
* Nothing is written before the settings, the scheduler and the runs already in
  the folder are checked.
* Every worker process takes the network, compiled, from the persistent build
  cache (:mod:`motorseq.models.prepared`: no Brian2 import, no code generation;
  the first worker on a machine builds and compiles it, the others wait) into a
  build folder that only it uses while it simulates (a file lock,
  :func:`build_slot`), and re-runs it for each later participant. Before the
  participants start, every worker builds its network (:func:`prepare_worker`)
  under a "compiling" status, so the progress bar's time estimate counts
  simulations only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .errors import ModelError
from .parameter_ranges import ParameterRangeError

__all__ = [
    "CohortError",
    "CohortSpec",
    "ParticipantJob",
    "ParticipantOutcome",
    "build_jobs",
    "participant_ids",
    "participant_parameters",
    "participant_seed",
    "recorded_difference",
    "check_scheduler",
    "run_cohort",
    "run_jobs",
    "run_participant",
    "simulate_job",
    "prepare_worker",
    "build_slot",
    "summarize",
]

#: Environment variable naming the folder under which worker build folders live.
BUILD_ROOT_ENV = "MOTORSEQ_BUILD_ROOT"


class CohortError(ModelError, ValueError):
    """Bad cohort settings (one-line message naming the option)."""


@dataclass(frozen=True)
class CohortSpec:
    """What to simulate.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        The loaded protocol every participant performs.
    out : pathlib.Path
        BIDS dataset root the files are written to.
    n_participants : int
        Participants ``"01"`` ... ``n``.
    seed : int
        Cohort seed; participant seeds are derived from it.
    session : str
        BIDS session label.
    run : int
        BIDS run number.
    overrides : mapping of str to value
        Parameter values for every participant (``--param``).
    lesions : mapping of str to float
        Lesions for every participant (``--lesion``), e.g. ``{"dopamine": 0.2}``.
    variability : bool
        Draw each participant's individual parameters (``--variability``, the default;
        ``--no-variability`` gives everyone the default values).
    participant_overrides : mapping of str to mapping
        Extra parameter values for single participants (between-participant
        designs), applied after ``overrides``.
    build_root : pathlib.Path, optional
        Where the workers' build folders go (default: ``$MOTORSEQ_BUILD_ROOT``
        or a folder in the system temporary directory).
    group : str, optional
        Group written to ``participants.tsv`` (e.g. ``"dopamine-lesion"``).
    force : bool
        Replace finished participants that were made otherwise (``--force``) instead of
        refusing.
    """

    protocol: Any
    out: Path
    n_participants: int
    seed: int = 0
    session: str = "1"
    run: int = 1
    overrides: Mapping[str, Any] = field(default_factory=dict)
    lesions: Mapping[str, float] = field(default_factory=dict)
    variability: bool = True
    participant_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    build_root: Path | None = None
    group: str | None = None
    force: bool = False
    record_spikes: bool = False


@dataclass(frozen=True)
class ParticipantJob:
    """One participant's task, as shipped to a worker."""

    protocol: Any
    out: str
    participant: str
    index: int
    cohort_seed: int
    session: str
    run: int
    overrides: dict[str, Any]
    lesions: dict[str, float]
    variability: bool
    build_root: str | None = None
    group: str | None = None
    force: bool = False
    record_spikes: bool = False

    @property
    def seed(self) -> int:
        """The participant's seed (trial list and network noise)."""
        return participant_seed(self.cohort_seed, self.index)


@dataclass(frozen=True)
class ParticipantOutcome:
    """What happened to one participant."""

    participant: str
    status: Literal["done", "skipped", "failed"]
    seed: int
    seconds: float = 0.0
    error: str | None = None
    worker: str | None = None
    details: str | None = None


def participant_ids(n: int) -> list[str]:
    """Participant labels ``"01"``, ``"02"``, ... (zero-padded to at least two digits)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise CohortError(f"--participants: must be a whole number >= 1, got {n!r}")
    width = max(2, len(str(n)))
    return [f"{i:0{width}d}" for i in range(1, n + 1)]


def participant_seed(cohort_seed: int, index: int) -> int:
    """Seed of participant ``index`` (0-based): child ``index`` of the cohort SeedSequence.

    Equal to ``SeedSequence(cohort_seed).spawn(n)[index].generate_state(1)[0]``
    for any ``n > index``, so adding participants leaves the others' seeds alone.
    """
    child = np.random.SeedSequence(int(cohort_seed), spawn_key=(int(index),))
    return int(child.generate_state(1, dtype=np.uint32)[0])


def _variability_rng(cohort_seed: int, index: int) -> np.random.Generator:
    """Return the generator of a participant's individual parameters (apart from the model's stream)."""
    return np.random.default_rng(np.random.SeedSequence(int(cohort_seed), spawn_key=(int(index), 1)))


def participant_parameters(job: ParticipantJob):
    """Return the model parameters of one participant.

    Defaults, then individual draws (``variability``), then overrides, then
    lesions, so an explicit ``--param`` or ``--lesion`` always wins.
    """
    from motorseq.models import ModelParameters

    params = ModelParameters()
    if job.variability:
        params = params.draw_individual(_variability_rng(job.cohort_seed, job.index))
    if job.overrides:
        params = params.with_overrides(dict(job.overrides))
    for name, value in job.lesions.items():
        params = params.with_lesion(name, value)
    return params


def build_jobs(spec: CohortSpec) -> list[ParticipantJob]:
    """One job per participant of ``spec``."""
    ids = participant_ids(spec.n_participants)
    unknown = sorted(set(spec.participant_overrides) - set(ids))
    if unknown:
        raise CohortError(f"participant_overrides: no participant(s) {unknown} in 01..{ids[-1]}")
    return [
        ParticipantJob(
            protocol=spec.protocol,
            out=str(Path(spec.out).resolve()),
            participant=pid,
            index=i,
            cohort_seed=int(spec.seed),
            session=str(spec.session),
            run=int(spec.run),
            overrides={**spec.overrides, **spec.participant_overrides.get(pid, {})},
            lesions=dict(spec.lesions),
            variability=bool(spec.variability),
            build_root=None if spec.build_root is None else str(spec.build_root),
            group=spec.group,
            force=bool(spec.force),
            record_spikes=bool(spec.record_spikes),
        )
        for i, pid in enumerate(ids)
    ]


# --------------------------------------------------------------------------- worker side

_LAST_SLOT: dict[str, Path] = {}  # build root -> the slot this process used last


def _default_build_root() -> Path:
    env = os.environ.get(BUILD_ROOT_ENV)
    if env:
        return Path(env)
    return Path(tempfile.gettempdir()) / f"motorseq-build-{os.getuid()}"


def _cache_root(job: ParticipantJob) -> Path | None:
    """Return the build cache of a job: ``<build_root>/cache`` when a build root is given (``--build-dir``)."""
    return None if job.build_root is None else Path(job.build_root) / "cache"


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"pid{os.getpid()}"


@contextlib.contextmanager
def build_slot(build_root: str | os.PathLike | None = None) -> Iterator[Path]:
    """Hold a Brian2 build folder for the duration of one simulation.

    Build folders (``slot-0``, ``slot-1``, ... under ``build_root``) keep the
    generated and compiled code of the network. A process takes the slot it
    used last if it is free, otherwise the first free one, and holds it with
    an exclusive file lock while it simulates, so no two processes ever run in
    the same folder. Slots outlive the processes: a later worker (or cohort)
    that takes a compiled slot regenerates identical code, which ``make``
    finds up to date, so the network is compiled once per slot, not once per
    process.

    Parameters
    ----------
    build_root : path, optional
        Folder of the slots; ``$MOTORSEQ_BUILD_ROOT`` or a folder in the
        system temporary directory when omitted.

    Yields
    ------
    pathlib.Path
        The slot folder, locked until the block ends.
    """
    root = (Path(build_root) if build_root else _default_build_root()).resolve()
    root.mkdir(parents=True, exist_ok=True)
    last = _LAST_SLOT.get(str(root))
    candidates = ([last] if last is not None else []) + [root / f"slot-{k}" for k in range(256)]
    for path in candidates:
        path.mkdir(exist_ok=True)
        handle = open(path / ".lock", "a+")  # noqa: SIM115 - closed below
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{socket.gethostname()} pid {os.getpid()} worker {_worker_name()}\n")
            handle.flush()
            _LAST_SLOT[str(root)] = path
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise CohortError(f"{root}: no free build slot (256 in use)")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def simulate_job(job: ParticipantJob):
    """Simulate one participant of a cohort, without writing anything.

    Returns
    -------
    trials : pandas.DataFrame
        The participant's trial list.
    result : motorseq.models.SimulationResult
        What the network did.
    """
    from motorseq.models import simulate_participant
    from motorseq.protocols import generate_trials

    params = participant_parameters(job)
    trials = generate_trials(job.protocol, job.participant, seed=job.seed)
    with build_slot(job.build_root) as workdir:
        result = simulate_participant(
            job.protocol,
            trials,
            params,
            seed=job.seed,
            workdir=workdir,
            record_spikes=job.record_spikes,
            cache_root=_cache_root(job),
        )
    return trials, result


def prepare_worker(job: ParticipantJob) -> dict[str, Any]:
    """Build this worker's network for ``job``'s protocol before any participant runs.

    The code is generated and the binary taken from the persistent build cache
    (:mod:`motorseq.models.build_cache`), compiling it only if this machine has none, so
    that the participants' progress (and its time estimate) starts after the compile.

    Returns
    -------
    dict
        ``mode`` (Brian2 device), ``compiled`` (True when this worker compiled),
        ``seconds`` (code generation plus compile), ``cache`` (the cache entry, or None).
    """
    from motorseq.models.engine import get_engine

    params = participant_parameters(job)
    with build_slot(job.build_root) as workdir:
        engine = get_engine(len(job.protocol.positions), params.dt_ms, workdir, cache_root=_cache_root(job))
    entry = engine.cache
    return {
        "mode": engine.mode,
        "compiled": bool(entry is not None and not entry.hit),
        "seconds": float(engine.compile_time_s),
        "cache": None if entry is None else str(entry.path),
    }


def _prepare_workers(client, job: ParticipantJob, console: Any, show: bool) -> None:
    """Run :func:`prepare_worker` on every worker, showing a "compiling" status; report the build."""
    workers = list(client.scheduler_info()["workers"])
    futures = [
        client.submit(
            prepare_worker,
            job,
            workers=[address],
            allow_other_workers=False,
            pure=False,
            key=f"motorseq-prepare-{k}-{os.getpid()}-{time.time_ns()}",
        )
        for k, address in enumerate(workers)
    ]
    text = "network: generating code (compiling it once if this machine has no cached build, ~1-2 min)"
    with contextlib.ExitStack() as stack:
        if show:
            stack.enter_context(console.status(text))
        infos = client.gather(futures, errors="skip")
    if not infos:
        return  # the participants will report the error
    compiled = [i for i in infos if i["compiled"]]
    if infos[0]["mode"] != "standalone":
        line = f"network: Brian2 {infos[0]['mode']} mode (no C++ build)"
    elif compiled:
        line = f"network: compiled in {max(i['seconds'] for i in compiled):.0f} s, cached in {compiled[0]['cache']}"
    else:
        line = f"network: cached build {infos[0]['cache']} (no compile)"
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def recorded_difference(job: ParticipantJob) -> str | None:
    """Return how the finished run of ``job`` on disk differs from the run ``job`` would make.

    Returns
    -------
    str or None
        ``"<sidecar file>: <field>: recorded <a>, this run <b>"`` in one line, or None when
        the run is the one ``job`` would make (same protocol, seed, parameters, code).
    """
    from motorseq.protocols import MotorseqError, protocol_hash
    from motorseq.protocols.io import read_sidecar, run_paths

    from .provenance import expected_provenance, first_difference

    sidecar_path = run_paths(job.out, job.participant, job.session, job.protocol.name, job.run).sidecar
    try:
        sidecar = read_sidecar(sidecar_path)
    except (MotorseqError, OSError, ValueError) as exc:
        return f"{sidecar_path}: unreadable ({_one_line(exc)})"
    expected = expected_provenance(job, participant_parameters(job).to_dict(), protocol_hash(job.protocol))
    difference = first_difference(sidecar, expected)
    if difference is None and job.record_spikes:
        from .output import spike_paths

        spikes = spike_paths(job.out, job.protocol, job.participant, job.session, job.run)["spikes"]
        if not spikes.exists():
            return f"{spikes.name}: missing: the finished run was simulated without --record-spikes"
    return None if difference is None else f"{sidecar_path.name}: {difference}"


def run_participant(job: ParticipantJob) -> ParticipantOutcome:
    """Simulate one participant and write its files (the Dask task).

    Errors are caught and returned as a ``"failed"`` outcome carrying a
    one-line message (and the traceback in ``details``), so one bad
    participant never stops the cohort.
    """
    from motorseq.models.output import participant_done, write_participant

    from .provenance import run_provenance

    start = time.perf_counter()
    worker = _worker_name()
    try:
        if participant_done(job.out, job.participant, job.session, job.protocol, job.run):
            difference = recorded_difference(job)
            if difference is None:
                return ParticipantOutcome(job.participant, "skipped", job.seed, worker=worker)
            if not job.force:
                raise CohortError(f"{difference}; use --force to replace it")
        trials, result = simulate_job(job)
        write_participant(
            job.out,
            job.protocol,
            trials,
            result,
            participant=job.participant,
            session=job.session,
            run=job.run,
            seed=job.seed,
            group=job.group,
            provenance=run_provenance(job),
            replace=job.force,
        )
    except Exception as exc:  # noqa: BLE001 - reported per participant, the cohort goes on
        return ParticipantOutcome(
            job.participant,
            "failed",
            job.seed,
            time.perf_counter() - start,
            error=_one_line(exc),
            worker=worker,
            details=traceback.format_exc(),
        )
    return ParticipantOutcome(job.participant, "done", job.seed, time.perf_counter() - start, worker=worker)


# --------------------------------------------------------------------------- client side


def _check_spec(spec: CohortSpec) -> None:
    """Fail fast, in the client, on settings that would fail every participant."""
    from motorseq.models import SUPPORTED_PARADIGMS

    participant_ids(spec.n_participants)
    paradigm = getattr(spec.protocol, "paradigm", None)
    if paradigm not in SUPPORTED_PARADIGMS:
        raise CohortError(
            f"{getattr(spec.protocol, 'name', 'protocol')}: paradigm: the model performs "
            f"{', '.join(SUPPORTED_PARADIGMS)}, not {paradigm!r}"
        )
    if not re.fullmatch(r"[A-Za-z0-9]+", str(spec.session)):
        raise CohortError(f"--session: must be letters and digits only, got {spec.session!r}")
    if isinstance(spec.run, bool) or not isinstance(spec.run, int | np.integer) or spec.run < 1:
        raise CohortError(f"--run: must be a whole number >= 1, got {spec.run!r}")
    if spec.group is not None:
        _check_group(spec.group)
    check_assignments(spec.overrides, spec.lesions)


def check_assignments(overrides: dict[str, Any], lesions: dict[str, float]) -> None:
    """Refuse, before anything runs, a ``--param`` or ``--lesion`` the model parameters do not accept (one line)."""
    from motorseq.models import ModelParameters

    params = ModelParameters()
    if overrides:
        try:
            params = params.with_overrides(dict(overrides))
        except ParameterRangeError as exc:
            raise CohortError(f"--param: {exc}") from None
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - anything else, in one line
            raise CohortError(f"--param: {_one_line(exc)}") from exc
    for name, value in lesions.items():
        try:
            params = params.with_lesion(name, value)
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise CohortError(f"--lesion: {name}: {_one_line(exc)}") from exc


def _check_group(group: str) -> None:
    """Refuse a group label that is not one clean ``participants.tsv`` cell (tabs, line breaks...)."""
    from motorseq.protocols.labels import LabelError, validate_group_label

    try:
        validate_group_label(str(group), "--group")
    except LabelError as exc:
        raise CohortError(str(exc)) from None


def check_scheduler(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast, before anything is written, when the scheduler at ``address`` does not answer.

    Raises
    ------
    CohortError
        The address is malformed, the host unknown, the connection refused or not
        answered within ``timeout_s``.
    """
    from urllib.parse import urlsplit

    if not re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://\S+", address):
        raise CohortError(f"--scheduler: expected an address like tcp://host:8786, got {address!r}")
    parts = urlsplit(address)
    if parts.scheme not in ("tcp", "tls", "ws", "wss"):
        return  # no plain socket to probe; the client's own timeout applies
    try:
        host, port = parts.hostname, parts.port or 8786
    except ValueError as exc:
        raise CohortError(f"--scheduler: {address}: {exc}") from None
    if not host:
        raise CohortError(f"--scheduler: {address}: no host")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except ConnectionRefusedError:
        raise CohortError(f"--scheduler: {address}: connection refused (no scheduler listens there)") from None
    except socket.gaierror:
        raise CohortError(f"--scheduler: {address}: unknown host {host!r}") from None
    except TimeoutError:
        raise CohortError(f"--scheduler: {address}: no answer within {timeout_s:g} s") from None
    except OSError as exc:
        raise CohortError(f"--scheduler: {address}: cannot connect ({exc.strerror or exc})") from None


def _make_client(workers: int | None, scheduler: str | None):
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler)
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise CohortError(f"--scheduler: cannot connect to {scheduler}: {_one_line(exc)}") from exc
    n = workers or max(1, os.cpu_count() or 1)
    if n < 1:
        raise CohortError(f"--workers: must be >= 1, got {workers!r}")
    cluster = LocalCluster(
        n_workers=n,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",  # any free port: never collides with another cluster
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def as_finished(
    client: Any, futures: Iterable[Any], local: bool, grace_s: float = 120.0, poll_s: float = 0.2
) -> Iterator[Any]:
    """Yield Dask futures as they finish; raise instead of waiting forever when a local cluster has died.

    ``distributed.as_completed`` waits for every future, and a local cluster whose workers are
    all gone (their processes killed from outside, or crashed beyond the nannies' restarts)
    never runs the tasks left. Here a local cluster without any worker for ``grace_s`` seconds
    ends the wait with an error; what finished before was already handed to the caller.

    Parameters
    ----------
    client : distributed.Client
        The client the futures were submitted with.
    futures : iterable of distributed.Future
        The tasks.
    local : bool
        The cluster is this process's :class:`~distributed.LocalCluster`. A remote scheduler's
        workers may come and go (an adaptive cluster scales from 0), so it is waited for.
    grace_s : float
        How long a local cluster may have no worker (s).
    poll_s : float
        Pause between looks when nothing has finished (s).

    Yields
    ------
    distributed.Future
        Each future once, when it is finished, failed, cancelled or lost (as ``as_completed``).

    Raises
    ------
    CohortError
        The local cluster had no worker for ``grace_s`` with tasks left.
    """
    from distributed import as_completed

    futures = list(futures)
    if not futures:  # nothing to wait for (and as_completed would look for a client)
        return
    waiting = as_completed(futures)
    workerless_since: float | None = None
    while not waiting.is_empty():
        finished = waiting.next_batch(block=False)
        if finished:
            workerless_since = None
            yield from finished
            continue
        time.sleep(poll_s)
        if not local or client.scheduler_info().get("workers"):
            workerless_since = None
        elif workerless_since is None:
            workerless_since = time.monotonic()
        elif time.monotonic() - workerless_since >= grace_s:
            raise CohortError(
                f"the local Dask workers are gone (killed or crashed) with {waiting.count()} task(s) left; "
                "what finished is kept: run the command again to go on"
            )


def run_cohort(
    spec: CohortSpec,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    on_outcome: Callable[[ParticipantOutcome], None] | None = None,
    console: Any = None,
) -> list[ParticipantOutcome]:
    """Simulate every participant of ``spec`` on a Dask cluster.

    Parameters
    ----------
    spec : CohortSpec
        What to simulate and where to write it.
    workers : int, optional
        Worker processes of the local cluster (one thread each); the number of
        CPU cores when omitted. Ignored when ``scheduler`` is given.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``) to use
        instead of a local cluster.
    progress : bool
        Show a rich progress bar.
    on_outcome : callable, optional
        Called in the client with each participant's outcome as it arrives.
    console : rich.console.Console, optional
        Where progress and failures are printed.

    Returns
    -------
    list of ParticipantOutcome
        In participant order.
    """
    from motorseq.models.output import participant_done
    from motorseq.protocols.io import run_paths
    from motorseq.protocols.io.dataset import check_participant_row
    from rich.console import Console

    _check_spec(spec)
    jobs = build_jobs(spec)
    console = console or Console(stderr=True)
    if scheduler:
        check_scheduler(scheduler)
    outcomes: dict[str, ParticipantOutcome] = {}
    todo = []
    for job in jobs:  # read only: a refused request writes nothing
        check_participant_row(job.out, job.participant, "model", job.group)
        beh = run_paths(job.out, job.participant, job.session, job.protocol.name, job.run).beh
        if beh.exists() and not participant_done(job.out, job.participant, job.session, job.protocol, job.run):
            if not spec.force:
                raise CohortError(f"{beh}: trial files without their model derivatives; use --force to replace them")
        elif beh.exists():
            difference = recorded_difference(job)
            if difference is None:
                outcomes[job.participant] = ParticipantOutcome(job.participant, "skipped", job.seed)
                continue
            if not spec.force:
                raise CohortError(
                    f"{Path(spec.out) / f'sub-{job.participant}'}: {difference}; "
                    "use --force to replace it, or another --out"
                )
        todo.append(job)
    run_jobs(
        run_participant, todo, label=getattr(spec.protocol, "name", "protocol"), out=spec.out, outcomes=outcomes,
        total=len(jobs), prepare=todo[0] if todo else None, workers=workers, scheduler=scheduler,
        progress=progress, on_outcome=on_outcome, console=console,
    )  # fmt: skip
    return [outcomes[j.participant] for j in jobs]


def run_jobs(
    task: Callable[[Any], ParticipantOutcome],
    jobs: Sequence[Any],
    *,
    label: str,
    out: str | os.PathLike,
    outcomes: dict[str, ParticipantOutcome],
    total: int,
    prepare: ParticipantJob | None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    on_outcome: Callable[[ParticipantOutcome], None] | None = None,
    console: Any = None,
) -> dict[str, ParticipantOutcome]:
    """Run one Dask task per participant job and show the participants' progress (single sessions and studies).

    Parameters
    ----------
    task : callable
        Run on a worker with one job; returns the participant's :class:`ParticipantOutcome`
        (:func:`run_participant`, or :func:`motorseq.models.study.run_study_participant`).
    jobs : sequence
        The participants to run (each with ``participant`` and ``seed``), already checked.
    label : str
        Name on the progress bar (protocol or study).
    out : path
        Dataset folder (created; its dataset-level files written).
    outcomes : dict
        Outcomes known before (skipped participants); filled in place, participant -> outcome.
    total : int
        Participants on the progress bar (with the skipped ones).
    prepare : ParticipantJob, optional
        A job whose network every worker builds before the participants start.
    workers, scheduler, progress, on_outcome, console
        As :func:`run_cohort`.

    Returns
    -------
    dict
        ``outcomes``, with one entry per job added.
    """
    from motorseq.models.output import remove_stale_temporaries, write_dataset_files
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    console = console or Console(stderr=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    write_dataset_files(out)

    columns = (
        TextColumn("[bold]simulate {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    client = cluster = None
    skipped = len(outcomes)
    try:
        if jobs:
            client, cluster = _make_client(workers, scheduler)  # Brian2 is imported only where a build needs it
            if prepare is not None:
                _prepare_workers(client, prepare, console, progress)
        with Progress(*columns, console=console, disable=not progress, transient=False) as bar:
            bar_task = bar.add_task(label, total=total, completed=skipped, note=f"{skipped} skipped" if skipped else "")
            futures = {
                client.submit(
                    task, job, key=f"motorseq-sub-{job.participant}-{os.getpid()}-{time.time_ns()}", pure=False
                ): job
                for job in jobs
            }
            for future in as_finished(client, futures, local=cluster is not None):
                job = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker that died
                    outcome = ParticipantOutcome(job.participant, "failed", job.seed, error=_one_line(exc))
                outcomes[job.participant] = outcome
                if outcome.status == "failed":
                    bar.console.print(
                        Text.assemble((f"sub-{outcome.participant} failed: ", "red"), outcome.error or ""),
                        soft_wrap=True,
                    )
                if on_outcome is not None:
                    on_outcome(outcome)
                n_failed = sum(o.status == "failed" for o in outcomes.values())
                bar.update(bar_task, advance=1, note=f"{n_failed} failed" if n_failed else "")
    finally:
        if client is not None:
            client.close()
            if cluster is not None:
                cluster.close()
            remove_stale_temporaries(out)  # of workers killed during this run
    return outcomes


def summarize(outcomes: Sequence[ParticipantOutcome]) -> str:
    """One line: how many participants were simulated, skipped and failed."""
    counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
    return f"{counts['done']} simulated, {counts['skipped']} already done (skipped), {counts['failed']} failed"
