"""One run of a protocol with a participant: instructions, blocks of trials, breaks, the end.

Data safety: each trial is written (``_beh.tsv`` row and its ``_events.tsv`` presses, fsynced)
during the interval that follows it, as soon as its keys are released or before the next
stimulus is due, so ``kill -9`` loses at most the trial in progress. Escape asks for
confirmation and then ends the run with everything saved and the sidecar ``aborted``;
``resume=True`` continues an interrupted run at its next trial with the same trial list.
Frame statistics of each block go into the sidecar (``Extra.FrameStats``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from motorseq.protocols import TRIAL_COLUMNS, LabelError, Protocol, generate_trials, load_protocol
from motorseq.protocols.io import RunPaths, RunWriter, check_data_folder, check_resume, run_paths
from motorseq.protocols.labels import validate_group_label

from .context import QUIT_KEY, AbortRun, ErrorTone, RestartTrial, RunContext
from .resume import check_can_start, verify_same_trials
from .shorten import shorten_protocol
from .simulate_input import InjectedPress, ResponseModel

__all__ = ["RunOptions", "RunResult", "run_session", "check_group"]


@dataclass(frozen=True)
class RunOptions:
    """What to run, for whom, and how.

    Attributes
    ----------
    protocol : str, Path or Protocol
        Bundled protocol name, YAML file, or a protocol.
    participant, session : str
        BIDS labels (letters and digits).
    group : str, optional
        Group written to ``participants.tsv``; required, and one of them, when the protocol lists
        ``groups``.
    run : int
        Run number.
    data : Path
        BIDS dataset folder.
    seed : int, optional
        Seed of the trial list (the protocol's by default).
    fullscreen, screen, window_size
        Window settings.
    resume : bool
        Continue an interrupted run.
    simulate : ResponseModel, optional
        Play the participant by injecting key events (XTEST).
    max_trials_per_block, max_trial_seconds, max_blocks
        Shorten the protocol (pilots, demos, tests); the sidecar records the shortened protocol.
    study : dict, optional
        The study session this run is (``Extra.Study`` in the sidecar: name, session, delay kept).
    """

    protocol: str | Path | Protocol
    participant: str
    session: str = "1"
    group: str | None = None
    run: int = 1
    data: Path = Path("data")
    seed: int | None = None
    fullscreen: bool = False
    screen: int = 0
    window_size: tuple[int, int] = (1024, 768)
    resume: bool = False
    simulate: ResponseModel | None = None
    max_trials_per_block: int | None = None
    max_trial_seconds: float | None = None
    max_blocks: int | None = None
    study: dict[str, Any] | None = None


@dataclass
class RunResult:
    """How a run ended and where its files are."""

    paths: RunPaths
    status: str
    trials_written: int
    injected: list[InjectedPress] = field(default_factory=list)
    frame_stats: list[dict[str, Any]] = field(default_factory=list)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _prepare(options: RunOptions) -> tuple[Protocol, int, pd.DataFrame, RunPaths]:
    protocol = shorten_protocol(
        load_protocol(options.protocol), options.max_trials_per_block, options.max_trial_seconds, options.max_blocks
    )
    check_group(options.group, protocol)
    seed = protocol.seed if options.seed is None else int(options.seed)
    trials = generate_trials(protocol, options.participant, seed)
    paths = run_paths(options.data, options.participant, options.session, protocol.name, options.run)
    check_data_folder(options.data)
    paths.check_inside()
    check_can_start(paths, options.resume)
    if options.resume:
        check_resume(paths, protocol, seed)  # the writer checks again; this refuses before the window opens
        verify_same_trials(paths, trials)
    return protocol, seed, trials, paths


def check_group(group: str | None, protocol: Protocol) -> str | None:
    """Return the group of a run, or raise :class:`LabelError` (one line, naming ``--group``).

    A group is a label (:func:`~motorseq.protocols.labels.validate_group_label`); when the
    protocol lists ``groups``, the group must be one of them and cannot be left out.
    """
    if group is not None:
        validate_group_label(group, "--group")
    if not protocol.groups:
        return group
    listed = ", ".join(protocol.groups)
    if group is None:
        raise LabelError(f"--group: protocol {protocol.name!r} has groups ({listed}); give one with --group")
    if group not in protocol.groups:
        raise LabelError(f"--group: {group!r} is not one of the groups of protocol {protocol.name!r} ({listed})")
    return group


def run_session(options: RunOptions, progress: Callable[[str], None] | None = None) -> RunResult:
    """Run (or resume) one run of a protocol in a PsychoPy window.

    Parameters
    ----------
    options : RunOptions
        What to run.
    progress : callable, optional
        Called with one line of text for the experimenter after each block.

    Returns
    -------
    RunResult
        ``status`` is ``complete`` or ``aborted`` (Escape confirmed).

    Raises
    ------
    MotorseqError
        Bad labels, an unusable data folder, an existing run, a run that cannot be resumed, no
        display, no psychtoolbox: all found before the window opens.
    """
    from .keyboard import KeyRecorder, require_psychtoolbox
    from .screens import Screens
    from .simulate_input import SimulatedParticipant
    from .window import TaskWindow, require_display

    say = progress or (lambda text: None)
    protocol, seed, trials, paths = _prepare(options)
    require_display()
    require_psychtoolbox()
    window = TaskWindow(protocol.display.background, options.fullscreen, options.screen, options.window_size)
    keys = participant = writer = None
    result = RunResult(paths=paths, status="interrupted", trials_written=0)
    try:
        keys = KeyRecorder()
        screens = Screens(window.win, protocol)
        tone = ErrorTone(protocol.feedback.error_tone)
        if options.simulate is not None:
            participant = SimulatedParticipant(options.simulate).start()
            source = {
                "Type": "simulated",
                "Parameters": {
                    "Model": "simulated participant: XTEST key events (motorseq.tasks.simulate_input)",
                    **options.simulate.describe(),
                },
            }
        else:
            source = {"Type": "human"}
        writer = RunWriter(
            options.data,
            protocol,
            options.participant,
            options.session,
            options.run,
            seed=seed,
            source=source,
            resume=options.resume,
            software=("psychopy", "psychtoolbox"),
            group=options.group,
        )
        writer.extra.setdefault("Segments", []).append(
            {
                "StartTime": _now(),
                "FromTrial": writer.next_trial_index,
                **window.describe(),
                "KeyboardBackend": f"psychopy.hardware.keyboard.Keyboard ({keys.backend})",
                "ErrorTone": tone.status,
                "StimulusOnsetClock": "s from the first frame of this segment (restarts when a run is resumed)",
            }
        )
        ctx = RunContext(
            window=window, screens=screens, keys=keys, protocol=protocol, participant=participant, tone=tone
        )
        if options.study is not None:
            writer.extra["Study"] = options.study
        if protocol.paradigm == "sct" or any(b.pace is not None for b in protocol.blocks):
            from .metronome import Metronome

            ctx.metronome = Metronome(window.win, protocol.display.text)
            writer.extra["Metronome"] = ctx.metronome.status
        ctx.run_start = window.flip()
        say(
            f"{protocol.name}: participant {paths.participant}, session {paths.session}, run {paths.run}: "
            f"{len(trials)} trials in {protocol.n_blocks} blocks, "
            + (f"resuming at trial {writer.next_trial_index}" if options.resume else "starting")
            + f"; data: {paths.beh}; frames: {window.measured_hz:.1f} Hz ({window.describe()['FramePacing']})"
        )
        try:
            _run_blocks(ctx, writer, trials, result, say)
        except (AbortRun, KeyboardInterrupt):
            writer.close("aborted")
            result.status = "aborted"
            say(f"aborted: {writer.n_written} trials saved in {paths.beh}")
            if participant is not None:
                participant.send(kind="cancel")
            _last_screen(
                ctx,
                lambda left: screens.draw_message(screens.text("stopped_title"), screens.text("stopped")),
                min_s=1.0,
                auto_continue=True,
            )
        else:
            writer.close("complete")
            result.status = "complete"
            say(f"complete: {writer.n_written} trials saved in {paths.beh}")
            _last_screen(
                ctx,
                lambda left: screens.draw_message(
                    screens.text("end_title"),
                    screens.text("end", n_blocks=protocol.n_blocks, block=protocol.n_blocks),
                    screens.text("close_prompt"),
                ),
                keys=("space", "escape"),
            )
    finally:
        if writer is not None:
            if writer.status == "interrupted":
                writer.close("interrupted")
            result.trials_written = writer.n_written
        if participant is not None:
            result.injected = participant.stop()
        if keys is not None:
            keys.close()
        window.close()
    return result


def _last_screen(ctx, draw, **kwargs) -> None:
    """Show the closing screen; the data are saved already, so Escape or Ctrl-C just close it."""
    try:
        ctx.wait_for_key(draw, **kwargs)
    except (AbortRun, KeyboardInterrupt):
        pass


def _save_sidecar(writer: RunWriter) -> None:
    """Rewrite the sidecar now (frame statistics so far), keeping ``RunStatus: interrupted``."""
    writer.save_sidecar()


def _run_blocks(ctx, writer: RunWriter, trials: pd.DataFrame, result: RunResult, say) -> None:
    from .paradigms import procedure_for

    protocol = ctx.protocol
    proc = procedure_for(protocol.paradigm)
    screens = ctx.screens
    start = writer.next_trial_index
    n_blocks = int(trials["block"].max())
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in trials[list(TRIAL_COLUMNS)].to_dict("records")
    ]
    if start > len(records):
        return
    first_block = records[start - 1]["block"]
    if start == 1:
        welcome = screens.text("welcome", block=first_block, n_blocks=n_blocks)
        ctx.wait_for_key(lambda left: screens.draw_instructions(welcome))
    else:
        where = records[start - 1]
        ctx.wait_for_key(
            lambda left: screens.draw_message(
                screens.text("welcome_back_title"),
                screens.text("welcome_back", block=where["block"], n_blocks=n_blocks, trial=where["trial"]),
                screens.text("continue_prompt"),
            )
        )
    from .pacing import TempoRamp, expanded_blocks

    specs, ramp = expanded_blocks(protocol), TempoRamp()  # paced practice: the tempo of each block
    for block in range(first_block, n_blocks + 1):
        ioi = ramp.ioi_s(specs[block - 1])
        block_trials = [r for r in records if r["block"] == block]
        todo = [r for r in block_trials if r["trial_index"] >= start]
        ctx.window.new_frame_log()
        rows = []
        i = 0
        while i < len(todo):
            trial = {**todo[i], "n_trials_in_block": len(block_trials), "ioi": ioi}
            try:
                outcome = proc.run_trial(ctx, trial)
            except RestartTrial:
                continue
            rows.append(outcome.row)
            _between(ctx, proc, writer, trial, outcome, last=i == len(todo) - 1)
            i += 1
        stats = {
            "Block": block,
            "FromTrial": todo[0]["trial_index"] if todo else None,
            **ctx.window.new_frame_log().stats(),
        }
        writer.extra.setdefault("FrameStats", []).append(stats)
        result.frame_stats.append(stats)
        _save_sidecar(writer)
        summary = proc.summarize(rows)
        ramp.after_block(specs[block - 1], summary.accuracy if summary is not None else None)
        line = f"block {block}/{n_blocks} ({block_trials[0]['block_kind']}) done: {len(rows)} trials"
        if ioi is not None:
            line += f", paced at {1000 * ioi:.0f} ms"
        if summary is not None and summary.mean_rt_ms is not None:
            line += f", {summary.rt_text.replace('_', ' ')} {summary.mean_rt_ms:.0f} ms"
        if summary is not None and summary.accuracy is not None:
            line += f", accuracy {100 * summary.accuracy:.0f} %"
        say(line + f", dropped frames {stats['dropped_frames']}")
        if block < n_blocks:
            _inter_block(ctx, block, n_blocks, block_trials[0]["block_kind"], summary)


def _between(ctx, proc, writer: RunWriter, trial: dict[str, Any], outcome, last: bool) -> None:
    """Run the interval after a trial: write the trial, then wait until the next stimulus is due."""
    rest = 0.3 if last else outcome.rest_after
    deadline = outcome.end + rest
    period = ctx.period
    written = False
    escape = False
    now = ctx.window.last_flip
    while True:
        held = any(p.duration is None for p, _ in outcome.presses)
        if not written and (escape or not held or deadline - now < 2.5 * period):
            _write(ctx, writer, trial, outcome)
            written = True
        if escape:
            ctx.confirm_quit()  # raises AbortRun if confirmed
            escape = False
        if written and now + period >= deadline - period / 2:
            return
        if not (last and ctx.protocol.paradigm in ("ftt", "sct")):
            proc.draw_between(ctx, trial, deadline - now, trial["n_trials_in_block"])
        now = ctx.flip()
        for press in ctx.poll_keeping_escape():
            if press.key == QUIT_KEY:
                escape = True
            else:
                ctx.anticipations.append(press)


def _write(ctx, writer: RunWriter, trial: dict[str, Any], outcome) -> None:
    row = {k: trial[k] for k in TRIAL_COLUMNS}
    row["stimulus_onset"] = outcome.onset - ctx.run_start
    row.update(outcome.row)
    events = [ctx.event_row(p, outcome.onset, 0) for p in ctx.before_onset]
    events += [ctx.event_row(p, outcome.onset, ok) for p, ok in outcome.presses]
    writer.write_trial(row, events)
    ctx.before_onset = []


def _inter_block(ctx, block: int, n_blocks: int, kind: str, summary) -> None:
    """Feedback and/or a break between blocks, then the prompt for the next block."""
    protocol, screens = ctx.protocol, ctx.screens
    feedback, breaks = protocol.feedback, protocol.breaks
    break_due = block % breaks.every_blocks == 0
    min_s = breaks.min_s if break_due else 0.0
    if kind == "practice":
        heading = screens.text("practice_complete")
    else:
        heading = screens.text("block_complete", block=block, n_blocks=n_blocks)
    prompt = screens.text("block", block=block + 1, n_blocks=n_blocks)

    def countdown(left: float) -> str:
        return screens.text("continue_in", seconds=int(left + 0.999)) if left > 0 else prompt

    if feedback.after_block and summary is not None:

        def draw(left: float) -> None:
            screens.draw_feedback(
                heading,
                summary,
                feedback.target_accuracy,
                feedback.show_mean_rt,
                feedback.show_accuracy,
                countdown(left),
                progress=(block, n_blocks),
            )
    elif break_due:

        def draw(left: float) -> None:
            screens.draw_break(
                screens.text("break", block=block, n_blocks=n_blocks), left, prompt, progress=(block, n_blocks)
            )
    else:

        def draw(left: float) -> None:
            screens.draw_message(heading, "", countdown(left))

    ctx.wait_for_key(draw, min_s=min_s, auto_continue=not breaks.self_paced)
