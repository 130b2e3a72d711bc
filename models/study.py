"""Simulate a study: every session with the same virtual participants, weights carried over.

For each participant (same seed, same individual parameters in every session) the sessions run in
order. Session 1 starts from the naive network; at its end the plastic weights
(corticostriatal, parallel fibre, SMA transition: :data:`.offline.PLASTIC`) go through the
offline process of the delay (:func:`.offline.offline_period`: replay with plasticity on, then
decay of what is not consolidated), and session 2 starts from the result (the weights are
run-time values, ``run_args`` of the compiled network), and so on. Each session is written as
``ses-<k>`` of the BIDS dataset; the offline process of each delay goes into the sidecar
(``Extra.Offline``).

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
from .offline import OfflineParameters, OfflineState, naive_weights, offline_period

__all__ = ["StudyOutcome", "simulate_study", "group_of", "check_study_supported"]


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
    """Simulate every session of a study with the same virtual participants.

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
    from motorseq.protocols import generate_trials
    from motorseq.protocols.study import LoadedStudy, load_study
    from motorseq.tasks.shorten import shorten_protocol

    from .cohort import ParticipantJob, build_slot, participant_ids, participant_parameters, participant_seed
    from .elements import element_plan
    from .engine import get_engine
    from .output import write_participant
    from .participant import simulate_participant
    from .runtime_values import runtime_values

    loaded = study if isinstance(study, LoadedStudy) else load_study(study)
    check_study_supported(loaded)
    offline = offline or OfflineParameters()
    say = progress or (lambda line: None)
    ids = participant_ids(n_participants)
    outcome = StudyOutcome(participants=ids, groups={})
    for index, pid in enumerate(ids):
        group = group_of(loaded.study.groups, index)
        outcome.groups[pid] = group
        state: OfflineState | None = None
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(index, 17)))
        for number in range(1, loaded.study.n_sessions + 1):
            protocol = shorten_protocol(
                loaded.protocol(number, group), max_trials_per_block, max_trial_seconds, max_blocks
            )
            job = ParticipantJob(
                protocol=protocol, out=str(out), participant=pid, index=index, cohort_seed=int(seed),
                session=str(number), run=1, overrides={}, lesions={}, variability=variability,
                build_root=None if build_root is None else str(build_root), group=group,
            )  # fmt: skip
            params = participant_parameters(job)
            trials = generate_trials(protocol, pid, seed=job.seed)
            run_seed = participant_seed(job.seed, number)  # new network noise each session, same person
            with build_slot(job.build_root) as workdir:
                if state is None:
                    engine = get_engine(len(protocol.positions), params.dt_ms, workdir)
                    plan = element_plan(protocol, trials, params.rest_s)
                    values = runtime_values(
                        engine.layout, params, plan.targets, plan.timing, run_seed, engine.max_trials,
                        plan.pauses, plan.segments,
                    )  # fmt: skip
                    state = OfflineState(weights={}, naive=naive_weights(values))
                    carried = None
                else:
                    carried = state.run_args()
                result = simulate_participant(
                    protocol, trials, params, seed=run_seed, workdir=workdir, initial_values=carried
                )
                layout = get_engine(len(protocol.positions), params.dt_ms, workdir).layout
            state.weights = {name: np.asarray(result.weights[name], dtype=float).copy() for name in state.naive}
            provenance = {
                "Study": {
                    "Name": loaded.name,
                    "Session": number,
                    "Label": loaded.session(number).label,
                    "Delay": loaded.session(number).delay,
                    "Offline": state.log[-1] if state.log else None,
                    "OfflineParameters": offline.to_dict(),
                    "CarriedWeights": carried is not None,
                    "ModelSeed": run_seed,
                }
            }
            write_participant(
                out, protocol, trials, result, participant=pid, session=str(number), run=1, seed=job.seed,
                group=group, provenance=provenance,
            )  # fmt: skip
            say(f"{loaded.name}: participant {pid} ({group or 'no group'}) session {number} done")
            if number < loaded.study.n_sessions:
                delay = loaded.session(number + 1).delay_s or 0.0
                offline_period(state, layout, delay, offline, rng)
        outcome.offline[pid] = list(state.log) if state is not None else []
    return outcome
