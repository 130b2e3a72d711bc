"""motorseq's own BIDS trial files (people and the model alike).

A folder (the dataset root or any folder below it) or a list of ``*_beh.tsv`` files. Every run's
``_beh.tsv`` is read with :func:`motorseq.protocols.io.read_runs` (all runs validated in one parse;
an interrupted run keeps its complete rows), its ``_beh.json``
sidecar gives the paradigm (``Protocol.paradigm``), the source (human/model), the labels and the
ASRT warm-up length, ``participants.tsv`` gives the group, and ``_events.tsv`` gives the key
presses (for DSP inter-key intervals). Times are converted from seconds to ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders.common import Dataset, rt_to_ms
from motorseq.analysis.schema import finalize_presses, finalize_trials
from motorseq.protocols.errors import DataFileError
from motorseq.protocols.io import read_events, read_runs
from motorseq.protocols.io.design_checks import check_run_locations, check_task_protocols
from motorseq.protocols.io.reader import is_ignored

__all__ = ["check_pooling", "find_runs", "folder_prefixes", "load_motorseq", "parse_prefixes", "pool_prefixes"]


def find_runs(paths: list[Path]) -> list[Path]:
    """All ``*_beh.tsv`` files in the given folders/files, sorted."""
    runs: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            runs.extend(p for p in path.rglob("*_beh.tsv") if not is_ignored(p.relative_to(path)))
        elif path.name.endswith("_beh.tsv"):
            runs.append(path)
        else:
            raise AnalysisInputError(f"{path}: not a motorseq run (expected a folder or a *_beh.tsv file)")
    if not runs:
        raise AnalysisInputError(f"{paths[0]}: no *_beh.tsv runs found")
    return sorted(set(runs))


def _root(run: Path) -> Path | None:
    return run.parents[3] if len(run.parents) > 3 else None


def _label_from_name(run: Path) -> str:
    """Participant label of a run, from its file name (``sub-<label>_...``)."""
    return run.name.split("_")[0].removeprefix("sub-")


def _groups(runs: list[Path]) -> tuple[dict[tuple[Path | None, str], str], list[str]]:
    """Group of each participant, by (dataset root, label): the same label in two datasets stays apart.

    Returns the groups and warnings: a participant whose runs are there but who has no row in a
    ``participants.tsv`` with a ``group`` column gets the group ``unlisted`` (not ``all``, the label of
    the pooled sample), and rows with no runs (a mistyped id) are named.
    """
    groups: dict[tuple[Path | None, str], str] = {}
    notes: list[str] = []
    for root in sorted({_root(p) for p in runs} - {None}):
        table_path = root / "participants.tsv"
        if table_path.is_file():
            table = _read_participants(table_path)
            if "group" in table.columns and "participant_id" in table.columns:
                for pid, grp in zip(table["participant_id"], table["group"], strict=True):
                    groups[(root, pid.removeprefix("sub-"))] = grp if grp not in ("", "n/a") else "all"
                present = sorted({_label_from_name(p) for p in runs if _root(p) == root})
                absent = [pid for pid in present if (root, pid) not in groups]
                for pid in absent:  # not pooled under "all", the label of the whole sample
                    groups[(root, pid)] = "unlisted"
                if absent:
                    notes.append(
                        f"warning: {table_path}: no row for {len(absent)} participant(s) with runs (first: "
                        f"sub-{absent[0]}): their group is 'unlisted'"
                    )
                unused = sorted(pid for (r, pid) in groups if r == root and pid not in present)
                if unused:
                    notes.append(
                        f"warning: {table_path}: {len(unused)} row(s) with no runs (first: sub-{unused[0]}); "
                        "a mistyped participant_id?"
                    )
    return groups, notes


def _check_one_run_each(info: pd.DataFrame, runs: list[Path]) -> None:
    """Refuse two runs with the same participant, session and run number (two tasks in one session), naming both."""
    keys = info[["participant", "session", "run"]].astype(str).agg("/".join, axis=1)
    repeated = keys.duplicated(keep=False).to_numpy()
    if repeated.any():
        first, second = np.flatnonzero(repeated & (keys == keys[repeated].iloc[0]).to_numpy())[:2]
        row = info.iloc[first]
        raise AnalysisInputError(
            f"{runs[first]} and {runs[second]}: participant {row['participant']}, session {row['session']}, "
            f"run {row['run']} twice (tasks of two protocols?); analyse one protocol at a time (give its files)"
        )


def folder_prefixes(paths: list[Path]) -> list[str]:
    """Return a short, distinct prefix per input folder (its name, letters and digits; numbered if names repeat)."""
    names = ["".join(ch for ch in Path(p).resolve().name if ch.isalnum()) or "data" for p in paths]
    return [name if names.count(name) == 1 else f"{name}{i + 1}" for i, name in enumerate(names)]


def pool_prefixes(
    paths: list[Path], keep_apart: bool = False, prefixes: Mapping[str | Path, str] | None = None
) -> list[str]:
    """Return the participant prefix of each input folder ("" for all when the folders are not kept apart).

    Parameters
    ----------
    paths : list of Path
        The input folders, in order.
    keep_apart : bool
        Prefix every participant with its folder's name.
    prefixes : mapping, optional
        Folder (as given) → prefix (letters and digits); keeps the folders apart, the folders not in
        it keep their folder's name.

    Raises
    ------
    AnalysisInputError
        A mapped folder that is not an input, a prefix that is not letters and digits, or two folders
        with one prefix.
    """
    paths = [Path(p) for p in paths]
    prefixes = dict(prefixes or {})
    if not prefixes and (not keep_apart or len(paths) < 2):
        return [""] * len(paths)
    chosen = folder_prefixes(paths)
    resolved = [p.resolve() for p in paths]
    for folder, label in prefixes.items():
        if Path(folder).resolve() not in resolved:
            raise AnalysisInputError(f"--prefix {folder}={label}: {folder} is not one of the data folders given")
        if not (1 <= len(label) <= 16 and label.isascii() and label.isalnum()):
            raise AnalysisInputError(f"--prefix {folder}={label}: the prefix must be 1-16 letters and digits")
        chosen[resolved.index(Path(folder).resolve())] = label
    for i, label in enumerate(chosen):
        if label in chosen[:i]:
            first = paths[chosen.index(label)]
            raise AnalysisInputError(
                f"{first} and {paths[i]}: both get the participant prefix {label!r}; give each its own with --prefix"
            )
    return chosen


def parse_prefixes(options: list[str] | None) -> dict[str, str]:
    """Parse ``--prefix FOLDER=LABEL`` options into a mapping; a malformed one is a one-line error."""
    mapping: dict[str, str] = {}
    for option in options or []:
        folder, sep, label = option.rpartition("=")
        if not sep or not folder or not label:
            raise AnalysisInputError(f"--prefix {option}: expected FOLDER=LABEL")
        mapping[folder] = label
    return mapping


def check_pooling(
    paths: list[Path], keep_apart: bool = False, prefixes: Mapping[str | Path, str] | None = None
) -> None:
    """Check, before any work, that several data folders can be pooled (see :func:`load_motorseq`).

    Raises
    ------
    AnalysisInputError
        The same run in two folders that are not kept apart (naming both files), or a bad prefix.
    """
    paths = [Path(p) for p in paths]
    chosen = pool_prefixes(paths, keep_apart, prefixes)
    if len(paths) > 1 and not any(chosen):
        runs = find_runs(paths)
        _check_clashes(runs, [_input_of(run, paths) for run in runs], paths)


def _input_of(run: Path, paths: list[Path]) -> int:
    for i, path in enumerate(paths):
        if run == path or path in run.parents:
            return i
    return 0


def _check_clashes(runs: list[Path], inputs: list[int], paths: list[Path]) -> None:
    """Refuse the same run file name (participant, session, task, run) from two inputs, naming both files."""
    seen: dict[str, Path] = {}
    for run, i in zip(runs, inputs, strict=True):
        other = seen.get(run.name)
        if other is not None and _input_of(other, paths) != i:
            raise AnalysisInputError(
                f"{other} and {run}: the same participant, session and run in two data folders; "
                "keep them apart with --keep-apart (each participant prefixed with its folder's name) "
                "or --prefix FOLDER=LABEL"
            )
        seen[run.name] = run


def _read_participants(path: Path) -> pd.DataFrame:
    """``participants.tsv`` as strings; a damaged one is a one-line error naming it."""
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise AnalysisInputError(f"{path}: empty (no header)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AnalysisInputError(f"{path}: cannot be read as a table: {first}") from None
    if "participant_id" in table.columns:
        bad = ~table["participant_id"].str.fullmatch(r"sub-[A-Za-z0-9]+")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise AnalysisInputError(
                f"{path}:{i + 2}: participant_id: {table['participant_id'].iloc[i]!r:.40} "
                "is not sub-<letters and digits>"
            )
    return table


def _num(table: pd.DataFrame, name: str) -> pd.Series:
    if name not in table.columns:
        return pd.Series(np.nan, index=table.index)
    return pd.to_numeric(table[name], errors="coerce")


def _run_info(path: Path, side: dict, groups: dict[tuple[Path | None, str], str], prefix: str = "") -> dict:
    """Labels, source and paradigm of one run, from its sidecar."""
    where = str(path)
    if not side:
        raise AnalysisInputError(f"{where}: sidecar (_beh.json) missing")
    protocol = side.get("Protocol") or {}
    paradigm = protocol.get("paradigm")
    if paradigm is None:
        raise AnalysisInputError(f"{where}: sidecar field 'Protocol.paradigm' is missing")
    if not isinstance(paradigm, str):
        raise AnalysisInputError(f"{where}: sidecar field 'Protocol.paradigm' must be a string, found {paradigm!r:.40}")
    from_name = _label_from_name(path)
    participant = str(side.get("Participant") if side.get("Participant") is not None else from_name)
    if participant != from_name:
        raise AnalysisInputError(
            f"{where}: sidecar field 'Participant' is {participant!r:.40}, but the file name says sub-{from_name}"
        )
    warmup = (protocol.get("asrt") or {}).get("warmup_random", 0) or 0 if paradigm == "asrt" else 0
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise AnalysisInputError(f"{where}: sidecar field 'Protocol.asrt.warmup_random' must be a whole number ≥ 0")
    return {
        "participant": f"{prefix}-{participant}" if prefix else participant,
        "session": str(side.get("Session", "1")),
        "run": int(side.get("Run", 1)),
        "group": groups.get((_root(path), participant), "all"),
        "source": (side.get("Source") or {}).get("Type", "human"),
        "paradigm": paradigm,
        "warmup": warmup,
    }


def _trials(beh: pd.DataFrame, info: pd.DataFrame, where: str) -> pd.DataFrame:
    """Build the analysis trial table of all runs at once (run labels broadcast by ``file_index``)."""
    index = beh["file_index"].to_numpy()
    kind = beh["block_kind"].astype(str)
    labels = ("participant", "session", "run", "group", "source", "paradigm")
    columns = {name: info[name].to_numpy()[index] for name in labels}
    return pd.DataFrame(
        {
            **columns,
            "block": beh["block"],
            "epoch": beh["epoch"],
            "trial": beh["trial"],
            "is_practice": (kind == "practice").to_numpy(),
            "trial_type": beh["trial_type"].astype(str),
            "triplet_type": beh["triplet_type"].fillna("n/a").astype(str),
            "target": beh["target"].astype(str),
            "rt_ms": rt_to_ms(_num(beh, "rt"), "s", where, "rt"),
            "correct": _num(beh, "correct"),
            "n_presses": _num(beh, "n_presses"),
            "execution_time_ms": _num(beh, "execution_time") * 1000.0,
            "n_correct_sequences": _num(beh, "n_correct_sequences"),
            "n_errors": _num(beh, "n_errors"),
            "ioi_ms": _num(beh, "ioi") * 1000.0,
            "sync_beats": _num(beh, "sync_beats"),
        }
    )


def _presses(path: Path, beh: pd.DataFrame, info: dict) -> pd.DataFrame | None:
    """Key presses of one DSP run (inter-key intervals) or tapping run (timing), or ``None``."""
    events_path = path.with_name(path.name.removesuffix("_beh.tsv") + "_events.tsv")
    if info["paradigm"] not in ("dsp", "sct") or not events_path.is_file():
        return None
    events = read_events(events_path, allow_partial=True)
    index = pd.DataFrame({"trial_index": beh["trial_index"], "block": beh["block"], "trial": beh["trial"]})
    events = events[["trial_index", "rt", "correct"]].merge(index, on="trial_index", how="inner")
    events = events.sort_values(["trial_index", "rt"], kind="stable")
    return pd.DataFrame(
        {
            "participant": info["participant"],
            "session": info["session"],
            "run": info["run"],
            "block": events["block"],
            "trial": events["trial"],
            "press": events.groupby("trial_index").cumcount() + 1,
            "rt_ms": (
                rt_to_ms(events["rt"], "s", str(events_path), "rt")
                if info["paradigm"] == "dsp"
                else pd.to_numeric(events["rt"], errors="coerce") * 1000.0  # taps may precede the first beat
            ),
            "correct": pd.to_numeric(events["correct"], errors="coerce"),
        }
    )


def load_motorseq(
    paths: list[Path], keep_apart: bool = False, prefixes: Mapping[str | Path, str] | None = None
) -> Dataset:
    """Load motorseq BIDS runs.

    Parameters
    ----------
    paths : list of Path
        Dataset folders, sub-folders or ``*_beh.tsv`` files.
    keep_apart : bool
        Several folders (e.g. one per laptop) whose participant labels may repeat: each participant
        becomes ``<folder name>-<label>``. Without it, the same run in two folders is refused,
        naming both files.
    prefixes : mapping, optional
        Folder → participant prefix (a mapping instead of the folder names); implies ``keep_apart``.

    Returns
    -------
    Dataset
        ``conventions["warmup_trials"]`` holds the ASRT warm-up length of the protocol.
    """
    paths = [Path(p) for p in paths]
    runs = find_runs(paths)
    groups, group_notes = _groups(runs)
    inputs = [_input_of(run, paths) for run in runs]
    prefixes = pool_prefixes(paths, keep_apart, prefixes)
    if not any(prefixes):
        _check_clashes(runs, inputs, paths)
    try:  # within each input: a run file in another participant's folder, or the same run twice
        for i in sorted(set(inputs)):
            check_run_locations([run for run, k in zip(runs, inputs, strict=True) if k == i])
    except DataFileError as error:
        raise AnalysisInputError(str(error)) from None
    where = str(paths[0]) if len(paths) == 1 else f"{len(runs)} runs"
    try:
        loaded = read_runs(runs, allow_partial=True)  # one validated parse; interrupted runs keep their rows
        check_task_protocols(runs, loaded.sidecars)  # across every input: one analysis pools them
    except DataFileError as error:
        raise AnalysisInputError(str(error)) from None
    info = pd.DataFrame(
        [
            _run_info(path, side, groups, prefixes[i])
            for path, side, i in zip(runs, loaded.sidecars, inputs, strict=True)
        ]
    )
    _check_one_run_each(info, runs)
    beh = loaded.trials
    trials = finalize_trials(_trials(beh, info, where), where)
    press_frames = []
    for i in np.flatnonzero(np.isin(info["paradigm"].to_numpy(), ["dsp", "sct"])):
        presses = _presses(runs[i], beh[beh["file_index"] == i], info.iloc[i].to_dict())
        if presses is not None:
            press_frames.append(presses)
    presses = finalize_presses(pd.concat(press_frames, ignore_index=True), where) if press_frames else None
    warmups = set(info["warmup"])
    return Dataset(
        trials=trials,
        presses=presses,
        format="motorseq",
        files=runs,
        notes=[f"warning: {line}" for line in loaded.warnings] + group_notes,
        conventions={"warmup_trials": max(warmups) if warmups else 0},
    )
