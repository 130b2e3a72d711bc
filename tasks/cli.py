"""``motorseq run PROTOCOL``: run a task with a participant (or an automated one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "run"]


def _ask_participant(session: str, groups: list[str], group: str | None) -> tuple[str, str, str | None]:
    """PsychoPy dialog asking for participant and session, and the group when the protocol lists groups.

    Returns
    -------
    tuple
        ``(participant, session, group)``; ``group`` is the one chosen, or ``group`` as given.

    Raises
    ------
    MotorseqError
        Cancel was pressed (nothing is run).
    """
    from motorseq.protocols import MotorseqError
    from psychopy import gui

    info: dict[str, object] = {"participant": "", "session": session}
    if groups and group is None:
        info["group"] = list(groups)  # a list: a drop-down of the protocol's groups
    dialog = gui.DlgFromDict(info, title="motorseq", order=list(info))
    if not dialog.OK:
        raise MotorseqError("cancelled in the participant dialog; nothing was run")
    chosen = str(info["group"]).strip() if "group" in info else group
    return str(info["participant"]).strip(), str(info["session"]).strip(), chosen


def run(
    protocol: Annotated[
        str,
        typer.Argument(
            help="Bundled protocol or study name (motorseq protocols list) or a YAML file; a study runs session "
            "--session K after checking the delay since session K-1."
        ),
    ],
    participant: Annotated[
        str | None,
        typer.Option(
            "--participant", "-p", help="Participant label (letters and digits). Asked in a dialog if omitted."
        ),
    ] = None,
    session: Annotated[str, typer.Option("--session", "-s", help="Session label.")] = "1",
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            "-g",
            help="Group written to participants.tsv (letters, digits, '-', '_'); one of the protocol's groups "
            "when it lists some (then asked in the dialog if omitted).",
        ),
    ] = None,
    run_number: Annotated[int, typer.Option("--run", help="Run number.")] = 1,
    fullscreen: Annotated[bool, typer.Option("--fullscreen", help="Full-screen window (for real sessions).")] = False,
    screen: Annotated[int, typer.Option("--screen", help="Screen to open the window on.")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run at its next trial.")] = False,
    data: Annotated[Path, typer.Option("--data", help="BIDS dataset folder for the data.")] = Path("data"),
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the trial list (protocol default).")] = None,
    simulate_responses: Annotated[
        str | None,
        typer.Option(
            "--simulate-responses",
            metavar="SPEC",
            help="Play the participant by injecting real key events (XTEST): 'default' or e.g. "
            "'mu=380,sigma=50,tau=80,error=0.05,hold=80,seed=1' (times in ms).",
        ),
    ] = None,
    max_trials_per_block: Annotated[
        int | None, typer.Option("--max-trials-per-block", min=1, help="Shortened run: at most N trials per block.")
    ] = None,
    max_trial_seconds: Annotated[
        float | None,
        typer.Option("--max-trial-seconds", help="Shortened run: finger tapping and rest periods at most S seconds."),
    ] = None,
    max_blocks: Annotated[
        int | None, typer.Option("--max-blocks", min=1, help="Shortened run: only the first N blocks.")
    ] = None,
    ignore_delay: Annotated[
        bool,
        typer.Option("--ignore-delay", help="Study: run session K even if the delay since K-1 is outside tolerance."),
    ] = False,
) -> None:
    """Run a protocol in a PsychoPy window and save the data as BIDS (trial by trial, fsynced).

    Escape asks to confirm, then ends the run with every finished trial saved. Exit status: 0 the run
    is complete, 1 it was aborted with Escape, 2 it could not run (the message says why).
    """
    from motorseq.protocols import load_protocol
    from rich.console import Console

    from .session import RunOptions, run_session
    from .simulate_input import parse_simulation_spec

    console = Console(stderr=True)
    model = parse_simulation_spec(simulate_responses) if simulate_responses is not None else None
    from .study_run import is_study, study_session

    study_record = None
    if is_study(protocol):  # session K of a study: its protocol, after the delay check
        if participant is None:
            from motorseq.protocols.study import load_study

            participant, session, group = _ask_participant(session, list(load_study(protocol).study.groups), group)
        loaded, study_record = study_session(protocol, participant, session, group, data, ignore_delay)
        group = None if not loaded.groups and group is None else group
    else:
        loaded = load_protocol(protocol)  # a bad protocol is reported before any dialog or window
    if participant is None:
        participant, session, group = _ask_participant(session, loaded.groups, group)
    options = RunOptions(
        protocol=loaded,
        participant=participant,
        session=session,
        group=group,
        run=run_number,
        data=data,
        seed=seed,
        fullscreen=fullscreen,
        screen=screen,
        resume=resume,
        simulate=model,
        max_trials_per_block=max_trials_per_block,
        max_trial_seconds=max_trial_seconds,
        max_blocks=max_blocks,
        study=study_record,
    )
    result = run_session(options, progress=lambda line: console.print(line, markup=False, highlight=False))
    if result.status != "complete":
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the ``motorseq`` command."""
    app.command("run")(run)
