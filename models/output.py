"""Write one simulated participant: trial files, regional activity and BOLD-like signals.

A simulated run is written in the same format as a person's (through
:class:`motorseq.protocols.io.RunWriter`, ``Source = {"Type": "model",
"Parameters": ...}``, the seed in the sidecar), plus two derivative tables under
``derivatives/motorseq-model/sub-<p>/ses-<s>/``:

``<stem>_desc-regions_activity.tsv``
    per trial and region: mean population rate (Hz) and summed synaptic input;
``<stem>_desc-bold_timeseries.tsv``
    ``time_s`` and one column per region: the rate convolved with the canonical
    haemodynamic response (:mod:`motorseq.models.hemodynamics`);
``<stem>_desc-spikes_events.tsv.gz`` (``simulate --record-spikes`` only)
    every spike as a BIDS events row: ``onset`` (s), ``duration`` (0), ``neuron``,
    ``population``, ``channel``, ``region``.

Atomicity: everything is first written into a hidden temporary folder inside the
dataset (same file system), then moved into place with ``os.rename`` — the
participant's derivative folder first, then its ``sub-<p>`` folder — so a reader
sees a participant completely or not at all, and a run counts as done once its
``_beh.tsv`` is in place. (When the participant folder exists already, e.g. for a
second session, the session folder is moved instead; for a second run of the same
session, the run's files are moved one by one with the ``_beh.tsv`` last.)

The ``_beh.tsv`` is the commit mark: it arrives last and a replaced run (``--force``)
loses it first, so the other files of a run without one are leftovers of a write that
was killed half-way (e.g. between the two renames). They are removed before the run is
written again, so a killed write never blocks the next one, and a run is never seen
half-replaced: old and new files never share a ``_beh.tsv``.

Determinism: the files hold no wall-clock times (the sidecar's ``StartTime`` and
``EndTime`` are ``null`` for a simulated run; the simulated duration is in
``Extra``), so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .hemodynamics import bold_signal

__all__ = [
    "PIPELINE",
    "derivative_paths",
    "discard_uncommitted",
    "merge_responses",
    "participant_done",
    "presses_from_responses",
    "presses_from_table",
    "read_spikes",
    "spike_paths",
    "spikes_run_duration",
    "remove_stale_temporaries",
    "write_dataset_files",
    "write_participant",
]

#: Name of the derivative pipeline folder.
PIPELINE = "motorseq-model"

_ACTIVITY_SUFFIX = "desc-regions_activity"
_BOLD_SUFFIX = "desc-bold_timeseries"
_SPIKES_SUFFIX = "desc-spikes_events"
_NEWLINE = b"\n"
#: How far the last spike may come after ``SimulatedDuration_s``: that duration is the end of the last
#: whole 0.1-s rate bin (``models.results.RATE_BIN_S``) read at the meters' 10-ms steps, so the run goes
#: on for up to a bin and a step after it.
_DURATION_SLACK_S = 0.1 + 0.01 + 1e-6
_SPIKES_COLUMNS = ("onset", "duration", "neuron", "population", "channel", "region")
_SPIKES_SIDECAR = {
    "Description": "Every spike of the simulated network (motorseq simulate --record-spikes).",
    "onset": {"Description": "Spike time from the start of the run.", "Units": "s"},
    "duration": {"Description": "0: a spike is an instant.", "Units": "s"},
    "neuron": {"Description": "Neuron index in the network (0-based)."},
    "population": {"Description": "Population of the neuron (models/README.md)."},
    "channel": {"Description": "Response channel of the neuron, 1-based (0: the population has none)."},
    "region": {"Description": "Brain region of the population (n/a: none)."},
}

_ACTIVITY_COLUMNS = {
    "trial_index": {"Description": "Trial number within the run, from 1 (as in _beh.tsv)."},
    "region": {"Description": "Brain region of the simulated network."},
    "mean_rate_hz": {
        "Description": "Mean firing rate of the region's neurons from the trial's "
        "stimulus onset to the next trial's onset.",
        "Units": "Hz",
    },
    "synaptic_input": {
        "Description": "Summed synaptic input to the region's neurons during the "
        "trial (sum of synaptic weights of the spikes arriving), "
        "the usual correlate of the BOLD signal.",
        "Units": "arbitrary (summed synaptic weight)",
    },
}


def _paths(root: str | os.PathLike, protocol, participant: str, session: str, run: int):
    from motorseq.protocols.io import run_paths

    return run_paths(root, participant, session, protocol.name, run)


def derivative_paths(
    root: str | os.PathLike, protocol, participant: str, session: str = "1", run: int = 1
) -> dict[str, Path]:
    """Paths of one run's model derivatives (``activity``, ``bold`` and their ``.json``)."""
    paths = _paths(root, protocol, participant, session, run)
    activity = paths.derivative(PIPELINE, f"{_ACTIVITY_SUFFIX}.tsv")
    bold = paths.derivative(PIPELINE, f"{_BOLD_SUFFIX}.tsv")
    return {
        "activity": activity,
        "activity_json": activity.with_suffix(".json"),
        "bold": bold,
        "bold_json": bold.with_suffix(".json"),
    }


def spike_paths(
    root: str | os.PathLike, protocol, participant: str, session: str = "1", run: int = 1
) -> dict[str, Path]:
    """Paths of one run's optional spikes derivative (``spikes``, ``spikes_json``; ``--record-spikes``)."""
    paths = _paths(root, protocol, participant, session, run)
    return {
        "spikes": paths.derivative(PIPELINE, f"{_SPIKES_SUFFIX}.tsv.gz"),
        "spikes_json": paths.derivative(PIPELINE, f"{_SPIKES_SUFFIX}.json"),
    }


def participant_done(root: str | os.PathLike, participant: str, session: str, protocol, run: int = 1) -> bool:
    """Return whether the run's trial table and its model derivatives are all in place."""
    paths = _paths(root, protocol, participant, session, run)
    derived = derivative_paths(root, protocol, participant, session, run)
    return paths.beh.exists() and derived["activity"].exists() and derived["bold"].exists()


def _run_files(root: str | os.PathLike, protocol, participant: str, session: str, run: int) -> list[Path]:
    """Every file of one run except its ``_beh.tsv`` (raw sidecars and events, derivatives)."""
    paths = _paths(root, protocol, participant, session, run)
    derived = derivative_paths(root, protocol, participant, session, run)
    spikes = spike_paths(root, protocol, participant, session, run)
    return [paths.sidecar, paths.events, paths.events_sidecar, *derived.values(), *spikes.values()]


def discard_uncommitted(
    root: str | os.PathLike, protocol, participant: str, session: str = "1", run: int = 1
) -> list[Path]:
    """Remove the files of a run whose ``_beh.tsv`` is missing (a write killed before its commit).

    Returns
    -------
    list of Path
        The files removed (none when the run is committed or absent).
    """
    paths = _paths(root, protocol, participant, session, run)
    if paths.beh.exists():
        return []
    removed = []
    for path in _run_files(root, protocol, participant, session, run):
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    for folder in {p.parent for p in removed}:
        _fsync_dir(folder)
    return removed


def _uncommit(root: Path, protocol, participant: str, session: str, run: int) -> None:
    """Take a committed run apart for replacement: its ``_beh.tsv`` first, then the rest."""
    beh = _paths(root, protocol, participant, session, run).beh
    beh.unlink(missing_ok=True)
    _fsync_dir(beh.parent)
    discard_uncommitted(root, protocol, participant, session, run)


def merge_responses(protocol, trials: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Join the trial list with the model's responses into ``_beh.tsv`` rows.

    Parameters
    ----------
    protocol : motorseq.protocols.Protocol
        Gives the key of each position.
    trials : pandas.DataFrame
        :func:`motorseq.protocols.generate_trials` output.
    responses : pandas.DataFrame
        :attr:`SimulationResult.responses`: ``trial_index``, ``stimulus_onset``,
        ``response_position``, ``rt``, ``correct``, ``n_presses``.

    Returns
    -------
    pandas.DataFrame
        One row per trial with every ``_beh.tsv`` column.
    """
    needed = {"trial_index", "stimulus_onset", "response_position", "rt", "correct", "n_presses"}
    missing = needed - set(responses.columns)
    if missing:
        raise ValueError(f"responses: missing column(s) {sorted(missing)}")
    if len(responses) != len(trials) or not np.array_equal(
        responses["trial_index"].to_numpy(dtype=np.int64), trials["trial_index"].to_numpy(dtype=np.int64)
    ):
        raise ValueError(f"responses: {len(responses)} rows do not match the {len(trials)} trials")
    keys = list(protocol.keys) if hasattr(protocol, "keys") else [p.key for p in protocol.positions]
    resp = responses.drop(columns=[c for c in responses.columns if c in trials.columns and c != "trial_index"])
    merged = trials.merge(resp, on="trial_index", how="left", validate="one_to_one")
    position = pd.array(merged["response_position"], dtype="Int64")
    key = [keys[int(p) - 1] if p is not pd.NA and 1 <= int(p) <= len(keys) else None for p in position]
    presses = pd.array(merged["n_presses"], dtype="Int64")
    correct = pd.array(merged["correct"], dtype="Int64")
    if "n_errors" in merged.columns:
        errors = pd.array(merged["n_errors"], dtype="Int64")
    elif protocol.response.rule == "until-correct":
        # the trial ends on the correct key, unless it timed out (no correct first press and
        # every press wrong is the only other possibility the model reports)
        errors = pd.array([p - 1 if p is not pd.NA and p > 0 else 0 for p in presses], dtype="Int64")
    else:
        errors = pd.array(
            [
                (1 - c) if c is not pd.NA and p is not pd.NA and p > 0 else 0
                for c, p in zip(correct, presses, strict=True)
            ],
            dtype="Int64",
        )
    return merged.assign(
        response=pd.array(key, dtype="object"),
        response_position=position,
        correct=correct,
        n_presses=presses,
        n_errors=errors,
        execution_time=merged.get("execution_time", pd.Series(np.nan, index=merged.index)),
        n_correct_sequences=merged.get("n_correct_sequences", pd.Series(pd.NA, index=merged.index, dtype="Int64")),
        # paced and tapping trials: the tempo (s), the first click and the synchronisation beats
        ioi=merged.get("ioi", pd.Series(np.nan, index=merged.index)),
        click_onset=merged.get("click_onset", pd.Series(np.nan, index=merged.index)),
        sync_beats=pd.array(merged.get("sync_beats", pd.Series(pd.NA, index=merged.index)), dtype="Int64"),
    )


def presses_from_responses(rows: pd.DataFrame) -> list[list[dict[str, Any]]]:
    """Return the ``_events.tsv`` rows of each trial: the model's first key press.

    The model reports the time of its first response only, so later presses of
    an ``until-correct`` trial (counted in ``n_presses``) have no event row.
    """
    out: list[list[dict[str, Any]]] = []
    for row in rows.itertuples(index=False):
        if pd.isna(row.response) or pd.isna(row.rt):
            out.append([])
            continue
        out.append(
            [
                {
                    "onset": float(row.stimulus_onset) + float(row.rt),
                    "duration": None,
                    "key": row.response,
                    "position": int(row.response_position),
                    "rt": float(row.rt),
                    "correct": int(row.correct),
                }
            ]
        )
    return out


def presses_from_table(rows: pd.DataFrame, presses: pd.DataFrame, keys: list[str]) -> list[list[dict[str, Any]]]:
    """Return the ``_events.tsv`` rows of each trial from the model's key presses (DSP, FTT).

    Parameters
    ----------
    rows : pandas.DataFrame
        The ``_beh.tsv`` rows (:func:`merge_responses`), in trial order.
    presses : pandas.DataFrame
        :attr:`SimulationResult.presses`: ``trial_index, onset, position, rt, correct``.
    keys : list of str
        The key of each position.
    """
    by_trial: dict[int, list[dict[str, Any]]] = {}
    for press in presses.itertuples(index=False):
        by_trial.setdefault(int(press.trial_index), []).append(
            {
                "onset": float(press.onset),
                "duration": None,
                "key": keys[int(press.position) - 1],
                "position": int(press.position),
                "rt": float(press.rt),
                "correct": int(press.correct),
            }
        )
    return [by_trial.get(int(index), []) for index in rows["trial_index"]]


def _floats_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """Float columns formatted as ``%.6f`` text (missing: ``n/a``), in C rather than per value in pandas."""
    out = {}
    for name, column in table.items():
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype=float)
            out[name] = np.where(np.isnan(values), "n/a", np.char.mod("%.6f", values))
        else:
            out[name] = column
    return pd.DataFrame(out, index=table.index)


def _write_tsv(path: Path, table: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _floats_as_text(table).to_csv(sep="\t", index=False, na_rep="n/a", lineterminator="\n")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _write_spikes(path: Path, spikes: pd.DataFrame, seed: int = 0) -> None:
    """Write the spikes as a gzipped BIDS events table (``onset``, ``duration``, ...) and its sidecar, fsynced.

    The sidecar (``.json`` next to it) records the number of spikes (``Count``), which
    :func:`read_spikes` checks.
    """
    import gzip

    table = spikes.rename(columns={"time_s": "onset"}).assign(duration=0.0)
    table = table[list(_SPIKES_COLUMNS)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
            fh.write(table.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6f").encode())
        raw.flush()
        os.fsync(raw.fileno())
    _write_json(_spikes_sidecar(path), {**_SPIKES_SIDECAR, "Seed": int(seed), "Count": len(table)})


def _spikes_sidecar(path: Path) -> Path:
    """Return the sidecar (``…_desc-spikes_events.json``) of a spikes file."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".tsv.gz") + ".json")


def spikes_run_duration(path: str | os.PathLike) -> float | None:
    """Return the simulated duration (s) of the run of a spikes file, ``None`` when it is not known.

    The duration is the run sidecar's ``Extra.SimulatedDuration_s``
    (``<root>/sub-<p>/ses-<s>/beh/<stem>_beh.json`` for
    ``<root>/derivatives/motorseq-model/sub-<p>/ses-<s>/<stem>_desc-spikes_events.tsv.gz``), the end
    of the run's last whole 0.1-s rate bin: spikes may come up to a bin later.
    """
    path = Path(path)
    if len(path.parents) < 5 or not path.name.endswith(f"_{_SPIKES_SUFFIX}.tsv.gz"):
        return None
    root, sub, ses = path.parents[4], path.parents[1].name, path.parents[0].name
    beh = root / sub / ses / "beh" / path.name.replace(f"_{_SPIKES_SUFFIX}.tsv.gz", "_beh.json")
    try:
        value = json.loads(beh.read_text(encoding="utf-8"))["Extra"]["SimulatedDuration_s"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
        return None
    return float(value)


def read_spikes(path: str | os.PathLike, duration_s: float | None = None) -> pd.DataFrame:
    """Read a spikes derivative back (``onset`` in s, ``neuron``, ``population``, ``channel``, ``region``).

    The file is checked before any of it is used: a whole gzip stream, the header, every
    value (line by line), the number of spikes against the sidecar's ``Count`` and the
    spike times against the run's duration.

    Parameters
    ----------
    path : str or Path
        The ``…_desc-spikes_events.tsv.gz`` file.
    duration_s : float, optional
        The run's duration (s); by default the run sidecar's (:func:`spikes_run_duration`),
        unchecked when that is not known.

    Returns
    -------
    pandas.DataFrame
        One row per spike, in time order.

    Raises
    ------
    motorseq.protocols.DataFileError
        The file or its sidecar is damaged or does not follow the format (one line naming
        the file, and the line and column at fault).
    """
    import gzip
    import zlib

    from motorseq.protocols.errors import DataFileError

    path = Path(path)
    sidecar = _spikes_sidecar(path)
    try:
        count = json.loads(sidecar.read_text(encoding="utf-8"))["Count"]
    except FileNotFoundError:
        raise DataFileError(f"{sidecar}: missing: the sidecar of {path.name} (it records the spike count)") from None
    except (OSError, ValueError) as error:
        raise DataFileError(f"{sidecar}: not a readable JSON file ({error})") from None
    except (KeyError, TypeError):
        raise DataFileError(f"{sidecar}: Count: missing (the number of spikes of {path.name})") from None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise DataFileError(f"{sidecar}: Count: {count!r} is not a number of spikes")
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise DataFileError(f"{path}: missing") from None
    except (EOFError, OSError, zlib.error) as error:
        raise DataFileError(f"{path}: damaged gzip file, cut short or corrupted ({error})") from None
    if not data.endswith(b"\n"):
        where = f"{path}:{data.count(_NEWLINE) + 1}"
        raise DataFileError(f"{where}: the last line is cut short (no line end)" if data else f"{path}: empty file")
    header = data[: data.index(b"\n")].decode("utf-8", errors="replace").rstrip("\r").split("\t")
    if header != list(_SPIKES_COLUMNS):
        missing = [c for c in _SPIKES_COLUMNS if c not in header]
        found = f"missing {', '.join(missing)}" if missing else f"got {', '.join(header)}"
        raise DataFileError(f"{path}:1: header: expected the columns {', '.join(_SPIKES_COLUMNS)}; {found}")
    try:
        raw = pd.read_csv(io.BytesIO(data), sep="\t", dtype=str, keep_default_na=False, na_filter=False)
    except (ValueError, UnicodeDecodeError) as error:  # pandas' ParserError: a line with too many fields
        raise DataFileError(f"{path}: not a tab-separated spikes table ({error})") from None
    return _checked_spikes(path, sidecar, raw, count, spikes_run_duration(path) if duration_s is None else duration_s)


def _checked_spikes(path: Path, sidecar: Path, raw: pd.DataFrame, count: int, duration_s: float | None) -> pd.DataFrame:
    """Convert the text columns of a spikes table and check every value (``file:line: column: problem``)."""
    from motorseq.protocols.errors import DataFileError

    def bad(mask: np.ndarray, column: str, problem: str) -> None:
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            value = raw[column].iloc[row]
            shown = "nothing" if pd.isna(value) or value == "" else repr(value)
            raise DataFileError(f"{path}:{row + 2}: {column}: {shown} {problem}")

    table = pd.DataFrame(index=raw.index)
    for column in ("onset", "duration"):
        values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
        bad(~np.isfinite(values), column, "is not a number")
        table[column] = values
    bad(table["onset"].to_numpy() < 0, "onset", "is before the start of the run")
    bad(table["duration"].to_numpy() != 0, "duration", "is not 0 (a spike is an instant)")
    for column in ("neuron", "channel"):
        text = raw[column].fillna("")
        bad(~text.str.fullmatch(r"\d{1,9}").to_numpy(dtype=bool), column, "is not a whole number >= 0")
        table[column] = text.astype(np.int64).to_numpy()
    for column in ("population", "region"):
        text = raw[column].fillna("")
        bad((text.str.strip() == "").to_numpy(dtype=bool), column, "is not a name")
        table[column] = text
    table = table[list(_SPIKES_COLUMNS)]
    onset = table["onset"].to_numpy()
    bad(np.r_[False, np.diff(onset) < 0], "onset", "is earlier than the line before (spikes are in time order)")
    if len(table) != count:
        raise DataFileError(
            f"{path}: {len(table)} spike(s), but its sidecar {sidecar.name} records Count {count} "
            "(the file is cut short or was changed)"
        )
    if duration_s is not None and len(table) and onset[-1] > duration_s + _DURATION_SLACK_S:
        bad(onset > duration_s + _DURATION_SLACK_S, "onset", f"is after the end of the run ({duration_s:g} s)")
    return table.reset_index(drop=True)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _version() -> str:
    try:
        return metadata.version("motorseq")
    except metadata.PackageNotFoundError:
        return "unknown"


def write_dataset_files(root: str | os.PathLike) -> None:
    """Create the dataset-level files (raw dataset and the model derivative's description).

    Existing files are left as they are.
    """
    from motorseq.protocols.io import ensure_dataset
    from motorseq.protocols.io.atomic import atomic_write_json

    root = Path(root)
    ensure_dataset(root)
    description = root / "derivatives" / PIPELINE / "dataset_description.json"
    if not description.exists():
        description.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(
            description,
            {
                "Name": "motorseq spiking model: regional activity and BOLD-like signals",
                "BIDSVersion": "1.9.0",
                "DatasetType": "derivative",
                "GeneratedBy": [
                    {
                        "Name": PIPELINE,
                        "Version": _version(),
                        "Description": "Brian2 spiking model of cortex-basal ganglia-"
                        "cerebellum loops (motorseq.models)",
                    }
                ],
            },
        )


def _activity_table(activity: pd.DataFrame, regions) -> pd.DataFrame:
    order = {name: k for k, name in enumerate(regions)}
    table = activity.loc[:, ["trial_index", "region", "mean_rate_hz", "synaptic_input"]]
    unknown = sorted(set(table["region"]) - set(order))
    if unknown:
        raise ValueError(f"activity: unknown region(s) {unknown}")
    table = table.assign(_order=table["region"].map(order))
    table = table.sort_values(["trial_index", "_order"], kind="stable").drop(columns="_order")
    return table.reset_index(drop=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_into_place(src_sub: Path, dst_sub: Path, session: str, last: str | None = None) -> None:
    """Rename ``src_sub`` (a ``sub-<p>`` folder) to ``dst_sub`` as one step where possible."""
    dst_sub.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src_sub, dst_sub)  # fails if dst_sub exists (non-empty)
        _fsync_dir(dst_sub.parent)
        return
    except OSError:
        if not dst_sub.exists():
            raise
    src_ses, dst_ses = src_sub / f"ses-{session}", dst_sub / f"ses-{session}"
    try:
        os.rename(src_ses, dst_ses)
        _fsync_dir(dst_sub)
        return
    except OSError:
        if not dst_ses.exists():
            raise
    # a further run of an existing session: move file by file, the marker file last
    files = sorted(p for p in src_ses.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name.endswith(last) if last else False)
    for path in files:
        target = dst_ses / path.relative_to(src_ses)
        if target.exists():
            raise FileExistsError(f"{target}: exists already; it is never overwritten")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(path, target)
        _fsync_dir(target.parent)


def write_participant(
    root: str | os.PathLike,
    protocol,
    trials: pd.DataFrame,
    result,
    participant: str,
    session: str = "1",
    run: int = 1,
    seed: int = 0,
    group: str | None = None,
    hrf: str = "spm",
    provenance: Mapping[str, Any] | None = None,
    replace: bool = False,
) -> dict[str, Path]:
    """Write one simulated run and its derivatives, atomically.

    Parameters
    ----------
    root : str or Path
        BIDS dataset folder.
    protocol : motorseq.protocols.Protocol
        The protocol that was simulated.
    trials : pandas.DataFrame
        The trial list that was simulated (:func:`motorseq.protocols.generate_trials`).
    result : SimulationResult
        :func:`motorseq.models.simulate_participant` output.
    participant, session : str
        BIDS labels.
    run : int
        Run number.
    seed : int
        The participant's seed (trial list and model), stored in the sidecar.
    group : str, optional
        Group for ``participants.tsv``.
    hrf : {"spm", "glover"}
        Canonical HRF for the BOLD-like signal.
    provenance : mapping, optional
        How the run was made (cohort settings, code version), stored as ``Extra.Simulation``
        (:func:`motorseq.models.provenance.run_provenance`).
    replace : bool
        Replace a run that exists (``--force``): its ``_beh.tsv`` is removed first and the
        new one arrives last, so the run is never seen with old and new files mixed.

    Returns
    -------
    dict of str to Path
        The final paths: ``beh``, ``sidecar``, ``events``, ``activity``, ``bold``.

    Raises
    ------
    motorseq.protocols.RunExistsError
        The run is already written and ``replace`` is false.
    """
    from motorseq.models import REGIONS
    from motorseq.protocols import RunExistsError
    from motorseq.protocols.io import RunWriter, add_participant
    from motorseq.protocols.io.dataset import check_participant_row

    root = Path(root)
    final = _paths(root, protocol, participant, session, run)
    final_derived = derivative_paths(root, protocol, participant, session, run)
    if final.beh.exists() and not replace:
        raise RunExistsError(f"{final.beh}: run {run} exists already; it is never overwritten")
    if final.beh.exists() and _source_type(final.sidecar) != "model":
        raise RunExistsError(f"{final.sidecar}: Source: not a simulated run; it is never replaced")
    write_dataset_files(root)

    rows = merge_responses(protocol, trials, result.responses)
    if getattr(result, "presses", None) is not None:
        presses = presses_from_table(rows, result.presses, list(protocol.keys))
    else:
        presses = presses_from_responses(rows)
    activity = _activity_table(result.activity, REGIONS)
    bold = bold_signal(result.rates, kind=hrf, regions=list(REGIONS))
    spikes = getattr(result, "spikes", None)
    duration = float(result.rates["time_s"].max()) + float(np.diff(np.unique(result.rates["time_s"]))[0])

    token = f"{_host()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = root / f".sub-{final.participant}_ses-{final.session}_run-{final.run}.tmp-{token}"
    try:
        writer = RunWriter(
            tmp,
            protocol,
            participant,
            session,
            run,
            seed=seed,
            source={"Type": "model", "Parameters": dict(result.parameters)},
            software=("brian2",),
            wall_clock=False,
            group=group,
        )
        columns = [c.name for c in _beh_columns()]
        writer.write_trials([{k: row.get(k) for k in columns} for row in rows.to_dict("records")], presses)
        tmp_derived = derivative_paths(tmp, protocol, participant, session, run)
        writer.extra = {
            "SimulatedDuration_s": round(duration, 6),
            "ModelDerivatives": [
                str(p.relative_to(root)) for key, p in final_derived.items() if key in ("activity", "bold")
            ]
            + (
                []
                if spikes is None
                else [str(spike_paths(root, protocol, participant, session, run)["spikes"].relative_to(root))]
            ),
            "HRF": hrf,
            **({"Simulation": dict(provenance)} if provenance is not None else {}),
        }
        writer.close("complete")

        if spikes is not None:
            tmp_spikes = spike_paths(tmp, protocol, participant, session, run)
            _write_spikes(tmp_spikes["spikes"], spikes, seed)
        _write_tsv(tmp_derived["activity"], activity)
        _write_json(tmp_derived["activity_json"], {**_ACTIVITY_COLUMNS, "Seed": int(seed), "Regions": list(REGIONS)})
        _write_tsv(tmp_derived["bold"], bold)
        step = float(bold["time_s"].iloc[1] - bold["time_s"].iloc[0])
        _write_json(
            tmp_derived["bold_json"],
            {
                "Description": "BOLD-like signal per region: the region's population rate in "
                f"{step:g} s bins convolved with the canonical haemodynamic response.",
                "SamplingFrequency": round(1.0 / step, 6),
                "StartTime": 0.0,
                "Columns": ["time_s", *REGIONS],
                "time_s": {"Description": "Start of the bin from the start of the run.", "Units": "s"},
                "HRF": {
                    "spm": "nilearn spm_hrf, the SPM canonical double gamma (Friston et al., 1998): "
                    "delays 6 and 16 s, dispersions 1 s, ratio 0.167, 32 s",
                    "glover": "nilearn glover_hrf, Glover (1999) as a double gamma: delays 6 and 12 s, "
                    "dispersions 0.9 s, ratio 0.48, 32 s",
                }[hrf],
                "Units": "Hz-weighted (rate convolved with an HRF of unit sum)",
                "Seed": int(seed),
            },
        )
        check_participant_row(root, final.participant, "model", group)  # before any file moves in
        if replace:
            _uncommit(root, protocol, participant, session, run)
        discard_uncommitted(root, protocol, participant, session, run)
        _move_into_place(
            tmp / "derivatives" / PIPELINE / f"sub-{final.participant}",
            root / "derivatives" / PIPELINE / f"sub-{final.participant}",
            final.session,
        )
        _move_into_place(
            tmp / f"sub-{final.participant}", root / f"sub-{final.participant}", final.session, last="_beh.tsv"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    add_participant(root, final.participant, "model", group)
    return {
        "beh": final.beh,
        "sidecar": final.sidecar,
        "events": final.events,
        "activity": final_derived["activity"],
        "bold": final_derived["bold"],
    }


def _source_type(sidecar: Path) -> str | None:
    try:
        return json.loads(sidecar.read_text(encoding="utf-8"))["Source"]["Type"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname()) or "host"


_TEMPORARY = re.compile(
    r"\.sub-[A-Za-z0-9]+_ses-[A-Za-z0-9]+_run-\d+\.tmp-(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-[0-9a-f]{8}"
)


def remove_stale_temporaries(root: str | os.PathLike) -> list[Path]:
    """Delete temporary participant folders left by writers that died (killed worker, Ctrl-C).

    Only folders written on this machine by a process that no longer exists are removed;
    those of live writers, and of other machines sharing the folder, are left alone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    root = Path(root)
    removed = []
    if not root.is_dir():
        return removed
    for entry in root.iterdir():
        match = _TEMPORARY.fullmatch(entry.name)
        if not match or match["host"] != _host() or not entry.is_dir():
            continue
        try:
            os.kill(int(match["pid"]), 0)
            continue  # the writer is alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # alive, another user's
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _beh_columns():
    from motorseq.protocols.io import BEH_COLUMNS

    return BEH_COLUMNS
