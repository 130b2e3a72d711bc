"""motorseq's own BIDS trial files (people and the model alike).

A folder (the dataset root or any folder below it) or a list of ``*_beh.tsv`` files. Every run's
``_beh.tsv`` is read with :func:`motorseq.protocols.io.read_run` (validated; an interrupted run
keeps its complete rows), its ``_beh.json``
sidecar gives the paradigm (``Protocol.paradigm``), the source (human/model), the labels and the
ASRT warm-up length, ``participants.tsv`` gives the group, and ``_events.tsv`` gives the key
presses (for DSP inter-key intervals). Times are converted from seconds to ms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders.common import Dataset, rt_to_ms
from motorseq.analysis.schema import finalize_presses, finalize_trials
from motorseq.protocols.io import read_events, read_run

__all__ = ["load_motorseq", "find_runs"]


def find_runs(paths: list[Path]) -> list[Path]:
    """All ``*_beh.tsv`` files in the given folders/files, sorted."""
    runs: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            runs.extend(p for p in path.rglob("*_beh.tsv") if "derivatives" not in p.parts)
        elif path.name.endswith("_beh.tsv"):
            runs.append(path)
        else:
            raise AnalysisInputError(f"{path}: not a motorseq run (expected a folder or a *_beh.tsv file)")
    if not runs:
        raise AnalysisInputError(f"{paths[0]}: no *_beh.tsv runs found")
    return sorted(set(runs))


def _groups(runs: list[Path]) -> dict[str, str]:
    groups: dict[str, str] = {}
    roots = {p.parents[3] for p in runs if len(p.parents) > 3}
    for root in roots:
        table_path = root / "participants.tsv"
        if table_path.is_file():
            table = pd.read_csv(table_path, sep="\t", dtype=str, keep_default_na=False)
            if "group" in table.columns and "participant_id" in table.columns:
                for pid, grp in zip(table["participant_id"], table["group"], strict=True):
                    groups[pid.removeprefix("sub-")] = grp if grp not in ("", "n/a") else "all"
    return groups


def _num(table: pd.DataFrame, name: str) -> pd.Series:
    if name not in table.columns:
        return pd.Series(np.nan, index=table.index)
    return pd.to_numeric(table[name], errors="coerce")


def _one_run(path: Path, groups: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame | None, int]:
    where = str(path)
    beh = read_run(path, allow_partial=True)  # an interrupted run keeps its complete rows
    side = beh.attrs.get("sidecar")
    beh.attrs = {}  # pandas would deep-copy the sidecar into every derived column
    if side is None:
        raise AnalysisInputError(f"{where}: sidecar (_beh.json) missing")
    protocol = side.get("Protocol") or {}
    paradigm = protocol.get("paradigm")
    if paradigm is None:
        raise AnalysisInputError(f"{where}: sidecar field 'Protocol.paradigm' is missing")
    participant = str(side.get("Participant", path.name.split("_")[0].removeprefix("sub-")))
    session = str(side.get("Session", "1"))
    run = int(side.get("Run", 1))
    source = (side.get("Source") or {}).get("Type", "human")
    kind = beh["block_kind"].astype(str) if "block_kind" in beh.columns else pd.Series("", index=beh.index)
    trials = pd.DataFrame(
        {
            "participant": participant,
            "session": session,
            "run": run,
            "group": groups.get(participant, "all"),
            "source": source,
            "paradigm": paradigm,
            "block": beh["block"],
            "epoch": beh["epoch"] if "epoch" in beh.columns else beh["block"],
            "trial": beh["trial"],
            "is_practice": (kind == "practice").to_numpy(),
            "trial_type": beh["trial_type"].astype(str),
            "triplet_type": beh["triplet_type"].astype("string").fillna("n/a").astype(str)
            if "triplet_type" in beh.columns
            else "n/a",
            "target": beh["target"].astype(str) if "target" in beh.columns else "n/a",
            "rt_ms": rt_to_ms(_num(beh, "rt"), "s", where, "rt"),
            "correct": _num(beh, "correct"),
            "n_presses": _num(beh, "n_presses"),
            "execution_time_ms": _num(beh, "execution_time") * 1000.0,
            "n_correct_sequences": _num(beh, "n_correct_sequences"),
            "n_errors": _num(beh, "n_errors"),
        }
    )
    presses = None
    events_path = path.with_name(path.name.removesuffix("_beh.tsv") + "_events.tsv")
    if paradigm == "dsp" and events_path.is_file() and "trial_index" in beh.columns:
        events = read_events(events_path, allow_partial=True)
        index = pd.DataFrame({"trial_index": beh["trial_index"], "block": beh["block"], "trial": beh["trial"]})
        events = events[["trial_index", "rt", "correct"]].merge(index, on="trial_index", how="inner")
        events = events.sort_values(["trial_index", "rt"], kind="stable")
        presses = pd.DataFrame(
            {
                "participant": participant,
                "session": session,
                "run": run,
                "block": events["block"],
                "trial": events["trial"],
                "press": events.groupby("trial_index").cumcount() + 1,
                "rt_ms": rt_to_ms(events["rt"], "s", str(events_path), "rt"),
                "correct": pd.to_numeric(events["correct"], errors="coerce"),
            }
        )
    warmup = int((protocol.get("asrt") or {}).get("warmup_random", 0) or 0) if paradigm == "asrt" else 0
    return trials, presses, warmup


def load_motorseq(paths: list[Path]) -> Dataset:
    """Load motorseq BIDS runs.

    Parameters
    ----------
    paths : list of Path
        Dataset folders, sub-folders or ``*_beh.tsv`` files.

    Returns
    -------
    Dataset
        ``conventions["warmup_trials"]`` holds the ASRT warm-up length of the protocol.
    """
    runs = find_runs(list(paths))
    groups = _groups(runs)
    trial_frames, press_frames, warmups = [], [], set()
    for path in runs:
        trials, presses, warmup = _one_run(path, groups)
        trial_frames.append(trials)
        warmups.add(warmup)
        if presses is not None:
            press_frames.append(presses)
    where = str(paths[0]) if len(paths) == 1 else f"{len(runs)} runs"
    trials = finalize_trials(pd.concat(trial_frames, ignore_index=True), where)
    presses = finalize_presses(pd.concat(press_frames, ignore_index=True), where) if press_frames else None
    return Dataset(
        trials=trials,
        presses=presses,
        format="motorseq",
        files=runs,
        conventions={"warmup_trials": max(warmups) if warmups else 0},
    )
