"""Simulate a study: every session with the same virtual participants, weights carried over.

For each participant (same seed, same individual parameters in every session) the sessions run in
order. Session 1 starts from the naive network; at its end the plastic weights
(corticostriatal ``w`` and ``ws``, parallel fibre, SMA transition: :data:`.offline.CARRIED`) go
through the rest of the delay (:func:`.offline.offline_period`: a rest run of the same compiled
network with replay and plasticity on, then the quiet remainder as the closed form of the
network's own weight update), and session 2 starts from the result (the weights are run-time
values, ``run_args`` of the compiled network), and so on. Each session is written as ``ses-<k>``
of the BIDS dataset as soon as it is simulated; what the rest before it did goes into its sidecar
(``Extra.Simulation.Study.Offline``).

A study cohort runs on Dask (:func:`run_study_cohort`): one task per participant
(:func:`run_study_participant`) runs all its sessions in order, through the single-session
cohort's scheduler, progress and failure reporting (:func:`.cohort.run_jobs`).

Paced blocks and synchronisation-continuation tapping are performed in closed loop
(:mod:`.timing`); a session the model cannot perform (a paradigm it does not know, two tempo
ramps in one protocol) raises :class:`~motorseq.models.errors.ModelNotImplementedError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelNotImplementedError
from .offline import OfflineParameters, OfflineState, offline_period

__all__ = [
    "StudyJob",
    "StudyOutcome",
    "check_study_supported",
    "group_of",
    "run_study_cohort",
    "run_study_participant",
    "simulate_study",
    "simulate_study_participant",
    "study_jobs",
]


@dataclass
class StudyOutcome:
    """What a simulated study did, per participant."""

    participants: list[str]
    groups: dict[str, str | None]
    offline: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def group_of(groups: list[str], index: int) -> str | None:
    """Group of participant ``index`` (0-based): the study's groups in turn, ``None`` if it has none."""
    return groups[index % len(groups)] if groups else None


def check_study_supported(loaded: Any) -> None:
    """Refuse, before any simulation, a study with a session the model cannot perform (one line)."""
    from .participant import SUPPORTED_PARADIGMS
    from .timing import pacing_plan

    for (number, group), protocol in sorted(loaded.protocols.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        where = f"{loaded.path}: sessions.{number - 1}" + (f".groups.{group}" if group else "")
        if protocol.paradigm not in SUPPORTED_PARADIGMS:
            raise ModelNotImplementedError(
                f"{where}: paradigm {protocol.paradigm!r}: the spiking model performs "
                f"{', '.join(SUPPORTED_PARADIGMS)}; run people with motorseq run"
            )
        blocks = np.arange(1, sum(block.repeat for block in protocol.blocks) + 1)
        try:
            pacing_plan(protocol, blocks)
        except ModelNotImplementedError as exc:
            raise ModelNotImplementedError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class StudyJob:
    """One participant of a study cohort, as shipped to a Dask worker: every session, in order."""

    study: Any  # LoadedStudy
    out: str
    participant: str
    index: int
    cohort_seed: int
    group: str | None
    max_blocks: int | None = None
    max_trials_per_block: int | None = None
    max_trial_seconds: float | None = None
    variability: bool = True
    offline: OfflineParameters = field(default_factory=OfflineParameters)
    build_root: str | None = None
    force: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    lesions: dict[str, float] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        """The participant's seed (as in a single-session cohort)."""
        from .cohort import participant_seed

        return participant_seed(self.cohort_seed, self.index)

    def protocol(self, number: int) -> Any:
        """Session ``number``'s protocol for this participant's group, shortened as asked."""
        from motorseq.tasks.shorten import shorten_protocol

        return shorten_protocol(
            self.study.protocol(number, self.group), self.max_trials_per_block, self.max_trial_seconds, self.max_blocks
        )

    def session_job(self, number: int):
        """Return the single-session :class:`~.cohort.ParticipantJob` of session ``number`` (same seed, parameters)."""
        from .cohort import ParticipantJob

        return ParticipantJob(
            protocol=self.protocol(number), out=self.out, participant=self.participant, index=self.index,
            cohort_seed=self.cohort_seed, session=str(number), run=1, overrides=dict(self.overrides),
            lesions=dict(self.lesions),
            variability=self.variability, build_root=self.build_root, group=self.group, force=self.force,
        )  # fmt: skip


def study_jobs(
    loaded: Any,
    out: str | Path,
    n_participants: int,
    seed: int = 0,
    max_blocks: int | None = None,
    max_trials_per_block: int | None = None,
    variability: bool = True,
    max_trial_seconds: float | None = None,
    offline: OfflineParameters | None = None,
    build_root: str | Path | None = None,
    force: bool = False,
    overrides: dict[str, Any] | None = None,
    lesions: dict[str, float] | None = None,
) -> list[StudyJob]:
    """One :class:`StudyJob` per participant (participant *i* in group *i* mod the study's groups)."""
    from .cohort import participant_ids

    return [
        StudyJob(
            study=loaded,
            out=str(Path(out).resolve()),
            participant=pid,
            index=index,
            cohort_seed=int(seed),
            group=group_of(loaded.study.groups, index),
            max_blocks=max_blocks,
            max_trials_per_block=max_trials_per_block,
            max_trial_seconds=max_trial_seconds,
            variability=bool(variability),
            offline=offline or OfflineParameters(),
            build_root=None if build_root is None else str(build_root),
            force=bool(force),
            overrides=dict(overrides or {}),
            lesions=dict(lesions or {}),
        )  # fmt: skip
        for index, pid in enumerate(participant_ids(n_participants))
    ]


def simulate_study_participant(job: StudyJob, say: Any = None) -> list[dict[str, float]]:
    """Simulate every session of one participant in order, weights carried, and write each session.

    Each session is written (atomically) as soon as it is simulated, so a failure in a later
    session keeps the earlier ones.

    Parameters
    ----------
    job : StudyJob
        The participant.
    say : callable, optional
        Called with one line after each session.

    Returns
    -------
    list of dict
        The offline process of each delay (:attr:`.offline.OfflineState.log`).
    """
    from motorseq.protocols import generate_trials

    from .cohort import build_slot, participant_parameters, participant_seed
    from .engine import get_engine
    from .output import write_participant
    from .participant import simulate_participant
    from .provenance import run_provenance

    loaded = job.study
    say = say or (lambda line: None)
    state: OfflineState | None = None
    for number in range(1, loaded.study.n_sessions + 1):
        session_job = job.session_job(number)
        protocol = session_job.protocol
        params = participant_parameters(session_job)
        trials = generate_trials(protocol, job.participant, seed=job.seed)
        run_seed = participant_seed(job.seed, number)  # new network noise each session, same person
        carried = None if state is None else state.run_args()
        with build_slot(job.build_root) as workdir:
            result = simulate_participant(
                protocol, trials, params, seed=run_seed, workdir=workdir, initial_values=carried
            )
            state = OfflineState.from_result(result.weights, None if state is None else state.log)
            provenance = {
                **run_provenance(session_job),  # the cohort settings, compared when the cohort is run again
                "Study": {
                    "Name": loaded.name,
                    "Session": number,
                    "Label": loaded.session(number).label,
                    "Delay": loaded.session(number).delay,
                    "Offline": state.log[-1] if state.log else None,
                    "OfflineParameters": job.offline.to_dict(),
                    "CarriedWeights": carried is not None,
                    "ModelSeed": run_seed,
                },
            }
            write_participant(
                job.out, protocol, trials, result, participant=job.participant, session=str(number), run=1,
                seed=job.seed, group=job.group, provenance=provenance, replace=job.force,
            )  # fmt: skip
            say(f"{loaded.name}: participant {job.participant} ({job.group or 'no group'}) session {number} done")
            if number < loaded.study.n_sessions:  # the delay: a rest run of the same network (offline.py)
                engine = get_engine(len(protocol.positions), params.dt_ms, workdir)
                delay = loaded.session(number + 1).delay_s or 0.0
                offline_period(state, engine, params, delay, job.offline, participant_seed(job.seed, 100 + number))
    return list(state.log) if state is not None else []


def run_study_participant(job: StudyJob):
    """Simulate and write every session of one participant (the Dask task of a study cohort).

    Errors are caught and returned as a ``"failed"`` outcome naming the participant, so one
    participant's failure never stops the others (and the sessions it wrote stay).
    """
    import time
    import traceback

    from .cohort import ParticipantOutcome, _one_line, _worker_name

    start = time.perf_counter()
    worker = _worker_name()
    try:
        simulate_study_participant(job)
    except Exception as exc:  # noqa: BLE001 - reported per participant, the cohort goes on
        return ParticipantOutcome(
            job.participant, "failed", job.seed, time.perf_counter() - start, error=_one_line(exc), worker=worker,
            details=traceback.format_exc(),
        )  # fmt: skip
    return ParticipantOutcome(job.participant, "done", job.seed, time.perf_counter() - start, worker=worker)


def _finished_sessions(job: StudyJob) -> list[int]:
    """Sessions of ``job``'s participant already written completely."""
    from .output import participant_done

    return [
        number
        for number in range(1, job.study.study.n_sessions + 1)
        if participant_done(job.out, job.participant, str(number), job.protocol(number), 1)
    ]


def run_study_cohort(
    study: Any,
    out: str | Path,
    n_participants: int,
    seed: int = 0,
    max_blocks: int | None = None,
    max_trials_per_block: int | None = None,
    variability: bool = True,
    max_trial_seconds: float | None = None,
    offline: OfflineParameters | None = None,
    build_root: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    force: bool = False,
    console: Any = None,
    overrides: dict[str, Any] | None = None,
    lesions: dict[str, float] | None = None,
):
    """Simulate a study cohort on Dask: one task per participant running all its sessions in order.

    The cluster, the workers' network build, the progress bar (one step per participant) and
    the failure report are those of single-session cohorts (:func:`.cohort.run_jobs`). A
    participant with every session written as this request would write it (protocol, seed,
    parameters, lesions, code: :func:`.cohort.recorded_difference` of each session) is skipped;
    one written otherwise, or with only some sessions written, is refused (nothing is written)
    unless ``force`` simulates it again from session 1.

    Parameters
    ----------
    study : str, Path or LoadedStudy
        A bundled study name, a study file or a loaded study.
    out, n_participants, seed, max_blocks, max_trials_per_block, variability, max_trial_seconds, offline, build_root
        As :func:`simulate_study`.
    workers, scheduler, progress, console
        As :func:`.cohort.run_cohort`.
    force : bool
        Simulate again (and replace) participants whose sessions are partly written or were made otherwise.
    overrides, lesions : dict, optional
        Parameter values and lesions of every participant in every session (``--param``, ``--lesion``).

    Returns
    -------
    list of ParticipantOutcome
        In participant order.
    """
    from motorseq.protocols.io.dataset import check_participant_row
    from motorseq.protocols.study import LoadedStudy, load_study

    from .cohort import (
        CohortError,
        ParticipantOutcome,
        check_assignments,
        check_scheduler,
        recorded_difference,
        run_jobs,
    )

    loaded = study if isinstance(study, LoadedStudy) else load_study(study)
    check_study_supported(loaded)
    jobs = study_jobs(
        loaded, out, n_participants, seed, max_blocks, max_trials_per_block, variability, max_trial_seconds,
        offline, build_root, force, overrides, lesions,
    )  # fmt: skip
    check_assignments(overrides or {}, lesions or {})
    if scheduler:
        check_scheduler(scheduler)
    outcomes: dict[str, ParticipantOutcome] = {}
    todo = []
    for job in jobs:  # read only: a refused request writes nothing
        check_participant_row(job.out, job.participant, "model", job.group)
        finished = _finished_sessions(job)
        if len(finished) == loaded.study.n_sessions and not force:
            differences = (recorded_difference(job.session_job(number)) for number in finished)
            difference = next((d for d in differences if d is not None), None)
            if difference is None:
                outcomes[job.participant] = ParticipantOutcome(job.participant, "skipped", job.seed)
                continue
            raise CohortError(
                f"{Path(out) / f'sub-{job.participant}'}: {difference}; use --force to simulate the participant "
                "again, or another --out"
            )
        if finished and not force:
            raise CohortError(
                f"{Path(out) / f'sub-{job.participant}'}: sessions {finished} of {loaded.study.n_sessions} "
                "written; use --force to simulate the participant again from session 1, or another --out"
            )
        todo.append(job)
    run_jobs(
        run_study_participant, todo, label=loaded.name, out=out, outcomes=outcomes, total=len(jobs),
        prepare=todo[0].session_job(1) if todo else None, workers=workers, scheduler=scheduler,
        progress=progress, console=console,
    )  # fmt: skip
    return [outcomes[j.participant] for j in jobs]


def simulate_study(
    study: Any,
    out: str | Path,
    n_participants: int,
    seed: int = 0,
    max_blocks: int | None = None,
    max_trials_per_block: int | None = None,
    variability: bool = True,
    max_trial_seconds: float | None = None,
    offline: OfflineParameters | None = None,
    build_root: str | Path | None = None,
    progress: Any = None,
) -> StudyOutcome:
    """Simulate every session of a study with the same virtual participants, in this process.

    The same participants and files as :func:`run_study_cohort` (which runs them on Dask),
    one after the other, without a cluster (tests, benchmarks).

    Parameters
    ----------
    study : str, Path or LoadedStudy
        A bundled study name, a study file or a loaded study.
    out : path
        BIDS dataset folder (``sub-<p>/ses-<k>/``).
    n_participants : int
        Participants ``01`` .. ``N``; with groups, participant *i* is in group ``i mod n_groups``.
    seed : int
        Cohort seed (participant seeds, individual parameters and replay derive from it).
    max_blocks, max_trials_per_block : int, optional
        Shorten every session's protocol (quick runs).
    max_trial_seconds : float, optional
        Shorten finger-tapping periods and rests (quick runs).
    variability : bool
        Individual parameters per participant (the same in every session).
    offline : OfflineParameters, optional
        The offline process between sessions.
    build_root : path, optional
        Folder of the compiled network.
    progress : callable, optional
        Called with one line after each session of each participant.

    Returns
    -------
    StudyOutcome
    """
    from motorseq.protocols.study import LoadedStudy, load_study

    from .output import write_dataset_files

    loaded = study if isinstance(study, LoadedStudy) else load_study(study)
    check_study_supported(loaded)
    jobs = study_jobs(
        loaded, out, n_participants, seed, max_blocks, max_trials_per_block, variability, max_trial_seconds,
        offline, build_root,
    )  # fmt: skip
    outcome = StudyOutcome(participants=[j.participant for j in jobs], groups={j.participant: j.group for j in jobs})
    Path(out).mkdir(parents=True, exist_ok=True)
    write_dataset_files(out)
    for job in jobs:
        outcome.offline[job.participant] = simulate_study_participant(job, progress)
    return outcome
