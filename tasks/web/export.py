"""``motorseq export``: the browser runs of a database as the BIDS dataset a lab run writes.

Each run goes through the lab's own :class:`~motorseq.protocols.io.RunWriter`, so the files,
columns and sidecars are the same; the sidecar says ``Source.Type = browser`` with the browser,
the screen refresh and the timing method, and per block the display frames the page saw during
the trials (frames, dropped frames, mean and SD of the frame interval). Runs already in the
dataset are never overwritten: every run's path is checked before anything is written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from motorseq.protocols.errors import RunExistsError
from motorseq.protocols.io import RunWriter, run_paths
from sqlalchemy import select

from .db import Database, Run, TrialRecord
from .service import protocol_of

__all__ = ["TIMING_METHOD", "browser_source", "export_runs", "frame_statistics"]

#: How the page times stimuli and keys (written to every sidecar).
TIMING_METHOD = (
    "onset: timestamp of the requestAnimationFrame callback that drew the target; keys: KeyboardEvent.timeStamp "
    "of keydown/keyup; both on the page's performance.now() clock (ms), RT = key - onset"
)


def browser_source(environment: dict[str, Any]) -> dict[str, Any]:
    """Return the sidecar ``Source`` of a browser run."""
    return {
        "Type": "browser",
        "Browser": environment.get("user_agent") or "n/a",
        "ScreenRefreshHz": environment.get("refresh_hz"),
        "Screen": [environment.get("screen_width"), environment.get("screen_height")],
        "DevicePixelRatio": environment.get("device_pixel_ratio"),
        "TimingMethod": TIMING_METHOD,
    }


def frame_statistics(trials: list[tuple[int, dict[str, Any] | None]]) -> list[dict[str, Any]]:
    """Per-block display-frame statistics from the trials' frame counts (a pure function).

    Parameters
    ----------
    trials : list of (block, frames)
        Each trial's block and its :class:`~.schemas.FrameCounts` as a dict (``None``: not sent).

    Returns
    -------
    list of dict
        One entry per block with counts: ``Block``, ``Trials`` (with counts), ``Frames`` (frame
        intervals seen), ``DroppedFrames`` (frames the display showed without a new callback),
        ``FrameIntervalMeanMs`` and ``FrameIntervalSDMs`` (pooled over the block's intervals).
    """
    blocks: dict[int, list[float]] = {}
    for block, frames in trials:
        if not frames:
            continue
        total = blocks.setdefault(int(block), [0, 0, 0, 0.0, 0.0])
        total[0] += 1
        total[1] += int(frames["intervals"])
        total[2] += int(frames["dropped"])
        total[3] += float(frames["sum_ms"])
        total[4] += float(frames["sum_sq_ms"])
    out = []
    for block, (n_trials, n, dropped, total_ms, total_sq) in sorted(blocks.items()):
        mean = total_ms / n if n else None
        sd = math.sqrt(max(total_sq - n * mean**2, 0.0) / (n - 1)) if n > 1 else None
        out.append(
            {
                "Block": block,
                "Trials": n_trials,
                "Frames": n,
                "DroppedFrames": dropped,
                "FrameIntervalMeanMs": None if mean is None else round(mean, 4),
                "FrameIntervalSDMs": None if sd is None else round(sd, 4),
            }
        )
    return out


def _runs(db: Database, class_id: int | None) -> list[tuple[Run, list[TrialRecord]]]:
    with db.sessions() as session:
        query = select(Run).order_by(Run.id)
        if class_id is not None:
            query = query.where(Run.class_id == class_id)
        runs = list(session.scalars(query))
        out = []
        for run in runs:
            trials = session.scalars(
                select(TrialRecord).where(TrialRecord.run_id == run.id).order_by(TrialRecord.trial_index)
            )
            out.append((run, list(trials)))
    return out


def export_runs(db: Database, out: str | Path, class_id: int | None = None) -> list[Path]:
    """Write every run with at least one trial (of one class, if given) to the BIDS dataset ``out``.

    Parameters
    ----------
    db : Database
        The web app's database.
    out : str or Path
        The dataset folder (created if needed).
    class_id : int, optional
        Only the runs of this class.

    Returns
    -------
    list of Path
        The ``_beh.tsv`` files written.

    Raises
    ------
    RunExistsError
        A run is in the dataset already (nothing is written then).
    """
    out = Path(out)
    runs = [(run, trials) for run, trials in _runs(db, class_id) if trials]
    for run, _ in runs:
        paths = run_paths(out, run.participant, run.session, run.protocol_name, run.run)
        if paths.beh.exists():
            raise RunExistsError(f"{paths.beh}: exists already; the export never overwrites a run")
    written = []
    for run, trials in runs:
        protocol = protocol_of(run)
        writer = RunWriter(
            out,
            protocol,
            run.participant,
            run.session,
            run.run,
            seed=run.seed,
            source=browser_source(run.environment or {}),
            group=run.group,
        )
        writer.started = run.created.isoformat(timespec="milliseconds") if run.created else writer.started
        expected = 1
        for record in trials:
            if record.trial_index != expected:
                break  # a gap: the rest cannot be placed in order
            writer.write_trial(record.row, record.presses)
            expected += 1
        writer.extra.update(
            {
                "Segments": sorted({t.segment for t in trials}),
                "TrialsInDatabase": len(trials),
                "BrowserRunStatus": run.status,
            }
        )
        frames = frame_statistics([(t.block, t.frames) for t in trials])
        if frames:
            writer.extra["FrameStatisticsPerBlock"] = frames
        complete = run.status == "finished" and writer.n_written == run.n_trials
        writer.close("complete" if complete else "interrupted")
        written.append(writer.paths.beh)
    return written
