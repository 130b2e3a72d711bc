"""Checks made before a run starts: never overwrite a run, and resume only the same trial list."""

from __future__ import annotations

import pandas as pd
from motorseq.protocols import RunExistsError
from motorseq.protocols.io import RunPaths, read_run, read_sidecar

from .errors import ResumeError

__all__ = ["check_can_start", "verify_same_trials", "COMPARED_COLUMNS"]

#: Columns of the saved trials that must equal the regenerated trial list on resume.
COMPARED_COLUMNS = ("block", "trial", "trial_index", "trial_type", "target", "correct_key")


def check_can_start(paths: RunPaths, resume: bool) -> None:
    """Refuse to start over an existing run, or to resume one that is missing or complete.

    Called before the window opens, so a refused run never shows a screen.

    Raises
    ------
    RunExistsError
        The run exists and ``resume`` is false, or the run is already complete.
    ResumeError
        ``resume`` is true and there is no such run.
    """
    if not resume:
        if paths.beh.exists():
            raise RunExistsError(
                f"{paths.beh}: run {paths.run} exists already; it is never overwritten "
                "(use --resume to continue it, or choose another --run)"
            )
        return
    if not paths.beh.exists():
        raise ResumeError(f"{paths.beh}: nothing to resume (no such run)")
    status = read_sidecar(paths.sidecar).get("RunStatus")
    if status == "complete":
        raise RunExistsError(f"{paths.sidecar}: RunStatus: the run is complete; it is never overwritten")


def verify_same_trials(paths: RunPaths, trials: pd.DataFrame) -> int:
    """Check that the saved trials are the first rows of ``trials``; return how many are saved.

    Raises
    ------
    ResumeError
        Naming the first saved trial that differs from the regenerated list.
    """
    saved = read_run(paths.beh, allow_partial=True)
    if len(saved) > len(trials):
        raise ResumeError(f"{paths.beh}: {len(saved)} trials saved but the trial list has only {len(trials)}")
    for column in COMPARED_COLUMNS:
        ours = trials[column].iloc[: len(saved)].astype(str).to_numpy()
        theirs = saved[column].astype(str).to_numpy()
        differ = (ours != theirs).nonzero()[0]
        if differ.size:
            i = int(differ[0])
            raise ResumeError(
                f"{paths.beh}:{i + 2}: {column}: saved {theirs[i]!r} but the trial list has {ours[i]!r}; "
                "the run was made from another trial list and cannot be resumed"
            )
    return len(saved)
