"""Checks of a run against the protocol its sidecar records, and of where its files lie.

A run's sidecar holds the protocol it was run with (``Protocol``), the participant and the seed,
so the design of every row is known: which blocks there are, their kind and length, and (with
the seed) every target. A row that does not fit that design, a run marked ``complete`` that
stops after two of eight blocks, or a run file copied into another participant's folder is
refused here, naming the file and the line, before any measure is computed from it.
``motorseq validate-data`` and ``motorseq analyze`` both call these checks;
:func:`check_trial_list` (every target regenerated) runs in ``validate-data`` only.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError

__all__ = [
    "sidecar_protocol",
    "check_layout",
    "check_answered",
    "check_trial_list",
    "check_run_locations",
    "check_task_protocols",
]

#: Columns of a trial row that the protocol, participant and seed fix.
DESIGN_COLUMNS = ("block", "block_kind", "trial", "trial_type", "target", "correct_key", "sequence_id", "epoch")


@lru_cache(maxsize=64)
def _protocol_from_json(text: str):  # noqa: ANN202 (the Protocol model; imported lazily)
    from ..schema import Protocol

    return Protocol.model_validate(json.loads(text))


def sidecar_protocol(path: Path, sidecar: dict) -> tuple[object | None, str | None]:
    """Return the protocol a run's sidecar records, or ``None`` and the reason it cannot be used.

    Parameters
    ----------
    path : Path
        The ``_beh.tsv`` file (for the message).
    sidecar : dict
        Its ``_beh.json``.

    Returns
    -------
    tuple
        ``(Protocol, None)``, or ``(None, reason)`` when the sidecar has no protocol or one that
        this version of motorseq does not accept (a run recorded with another version).
    """
    from pydantic import ValidationError

    raw = sidecar.get("Protocol")
    if not isinstance(raw, dict):
        return None, None
    try:
        return _protocol_from_json(json.dumps(raw, sort_keys=True)), None
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        return None, f"{path}: the protocol in the sidecar is not valid here (Protocol.{field}: {first['msg']})"


def _block_table(protocol) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Kind and number of trials of every block of a protocol (repeats expanded)."""
    blocks = [block for block in protocol.blocks for _ in range(block.repeat)]
    return np.array([b.kind for b in blocks], dtype=object), np.array([b.trials for b in blocks], dtype=np.int64)


def check_layout(
    path: Path, sidecar: dict, block: np.ndarray, trial: np.ndarray, kind: np.ndarray, lines: np.ndarray
) -> list[str]:
    """Check a run's rows against the blocks of the protocol in its sidecar.

    Every row must lie in one of the protocol's blocks, in its order (block, trial) and with its
    kind; a run marked ``complete`` must hold every trial of the protocol.

    Parameters
    ----------
    path : Path
        The ``_beh.tsv`` file.
    sidecar : dict
        Its ``_beh.json``.
    block, trial : numpy.ndarray
        The rows' ``block`` and ``trial`` (whole numbers).
    kind : numpy.ndarray
        The rows' ``block_kind``.
    lines : numpy.ndarray
        The file line of each row.

    Returns
    -------
    list of str
        A warning when the sidecar's protocol cannot be read by this version (nothing checked).

    Raises
    ------
    DataFileError
        ``file:line: column: …`` for the first row outside the protocol's design; ``file: …`` for a
        complete run with fewer trials than its protocol.
    """
    protocol, reason = sidecar_protocol(path, sidecar)
    if protocol is None:
        return [f"{reason}: its rows were not checked against it"] if reason else []
    kinds, sizes = _block_table(protocol)
    n_blocks = len(sizes)
    over = block > n_blocks
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise DataFileError(f"{path}:{lines[i]}: block: {block[i]}, but the protocol in the sidecar has {n_blocks}")
    index = block - 1
    longer = trial > sizes[index]
    if longer.any():
        i = int(np.flatnonzero(longer)[0])
        raise DataFileError(
            f"{path}:{lines[i]}: trial: {trial[i]}, but block {block[i]} of the protocol in the sidecar has "
            f"{sizes[index[i]]} trials"
        )
    wrong = kinds[index] != kind
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise DataFileError(
            f"{path}:{lines[i]}: block_kind: {kind[i]!r}, but block {block[i]} of the protocol in the sidecar is "
            f"{kinds[index[i]]!r}"
        )
    expected = np.concatenate([np.arange(1, size + 1) for size in sizes])
    order = np.repeat(np.arange(1, n_blocks + 1), sizes)
    n = min(len(block), len(expected))
    off = (block[:n] != order[:n]) | (trial[:n] != expected[:n])
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise DataFileError(
            f"{path}:{lines[i]}: block {block[i]}, trial {trial[i]}: expected block {order[i]}, trial "
            f"{expected[i]} (the protocol's trials in order, none left out)"
        )
    if sidecar.get("RunStatus") == "complete" and len(block) < len(expected):
        raise DataFileError(
            f"{path}: {len(block)} trial row(s), but the sidecar says RunStatus complete and its protocol has "
            f"{len(expected)} trials in {n_blocks} blocks: the run stops after block {int(block.max(initial=0))}"
        )
    return []


def check_answered(
    path: Path,
    paradigm: object,
    response: np.ndarray,
    missing_correct: np.ndarray,
    missing_rt: np.ndarray,
    lines: np.ndarray,
) -> None:
    """Refuse an SRT or ASRT trial with a response but no score or no response time.

    ``n/a`` is allowed in ``correct`` and ``rt`` (a trial without a response; paced tapping has no
    correct key), but on an answered reaction-time trial it would drop the trial from the accuracy or
    the RT medians without a word.

    Parameters
    ----------
    path : Path
        The ``_beh.tsv`` file.
    paradigm : object
        ``Protocol.paradigm`` of its sidecar.
    response : numpy.ndarray
        The rows' ``response`` (``None`` for ``n/a``).
    missing_correct, missing_rt : numpy.ndarray
        Whether each row's ``correct`` / ``rt`` is ``n/a``.
    lines : numpy.ndarray
        The file line of each row.

    Raises
    ------
    DataFileError
        ``file:line: column: n/a on a trial with a response``.
    """
    if paradigm not in ("srt", "asrt"):
        return
    answered = np.array([value is not None for value in response], dtype=bool)
    for column, missing in (("correct", missing_correct), ("rt", missing_rt)):
        bad = answered & missing
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataFileError(
                f"{path}:{lines[i]}: {column}: n/a on a trial with a response ({response[i]}); a "
                f"reaction-time trial with a response needs its {column}"
            )


def check_trial_list(path: Path, sidecar: dict, rows: pd.DataFrame, lines: np.ndarray) -> list[str]:
    """Compare a run's rows with the trial list its protocol, participant and seed generate.

    Parameters
    ----------
    path : Path
        The ``_beh.tsv`` file.
    sidecar : dict
        Its ``_beh.json`` (``Protocol``, ``Participant``, ``Seed``).
    rows : pandas.DataFrame
        The run's rows, as :func:`~motorseq.protocols.io.read_run` returns them.
    lines : numpy.ndarray
        The file line of each row.

    Returns
    -------
    list of str
        Warnings: what could not be checked, or a difference in a run recorded with another version
        of motorseq (whose generator may differ).

    Raises
    ------
    DataFileError
        ``file:line: column: …`` at the first row that differs from the generated list, for a run
        recorded with this version of motorseq.
    """
    from ..trials import generate_trials

    protocol, reason = sidecar_protocol(path, sidecar)
    seed, participant = sidecar.get("Seed"), sidecar.get("Participant")
    if protocol is None or not isinstance(seed, int) or participant is None:
        return [f"{reason}: its targets were not checked"] if reason else []
    generated = generate_trials(protocol, str(participant), seed).iloc[: len(rows)]
    for column in DESIGN_COLUMNS:
        have = rows[column].astype("string").fillna("n/a").to_numpy(dtype=object)
        want = generated[column].astype(str).to_numpy(dtype=object)
        n = min(len(have), len(want))
        differ = have[:n] != want[:n]
        if differ.any():
            i = int(np.flatnonzero(differ)[0])
            message = (
                f"{path}:{lines[i]}: {column}: {have[i]!r} in the file, {want[i]!r} in the trial list that the "
                f"sidecar's protocol, participant {participant} and seed {seed} generate"
            )
            from .writer import software_versions

            recorded = (sidecar.get("Software") or {}).get("motorseq")
            if recorded is not None and recorded != software_versions().get("motorseq"):
                return [f"{message} (recorded with motorseq {recorded}, whose trial lists may differ)"]
            raise DataFileError(message)
    return []


_SUB = re.compile(r"sub-([A-Za-z0-9]+)")
_TASK = re.compile(r"_task-([A-Za-z0-9]+)_")
_SES = re.compile(r"ses-([A-Za-z0-9]+)")


def check_run_locations(runs: list[Path]) -> None:
    """Refuse a run file in another participant's or session's folder, and the same run file twice.

    A participant folder copied under a new name keeps its files' names (``sub-09/…/sub-01_…``):
    the rows would count twice for participant 01 and not at all for 09.

    Raises
    ------
    DataFileError
        Naming the file and the folder, or both copies.
    """
    seen: dict[str, Path] = {}
    for run in runs:
        name_sub = _SUB.match(run.name)
        name_ses = _SES.search(run.name.split("_task-")[0])
        for part in run.parent.parts:
            folder_sub, folder_ses = _SUB.fullmatch(part), _SES.fullmatch(part)
            if folder_sub and name_sub and folder_sub.group(1) != name_sub.group(1):
                raise DataFileError(f"{run}: the file is named sub-{name_sub.group(1)} but lies in the folder {part}")
            if folder_ses and name_ses and folder_ses.group(1) != name_ses.group(1):
                raise DataFileError(f"{run}: the file is named ses-{name_ses.group(1)} but lies in the folder {part}")
        other = seen.get(run.name)
        if other is not None:
            raise DataFileError(f"{other} and {run}: the same run file twice in one dataset (a copied folder?)")
        seen[run.name] = run


def check_task_protocols(runs: list[Path], sidecars: list[dict]) -> None:
    """Refuse runs with one task label whose sidecars name different protocols.

    The task label of a file name keeps only the letters and digits of the protocol's name, so two
    protocols (``srtclassic`` and ``srt-classic``) can write files of the same task: their runs
    would be pooled as one task. Runs of one protocol shortened for a pilot (the same
    ``ProtocolName``, another ``ProtocolSHA256``) are allowed.

    Parameters
    ----------
    runs : list of Path
        The ``_beh.tsv`` files of one dataset.
    sidecars : list of dict
        Their ``_beh.json`` (``ProtocolName``, else ``Protocol.name``; a run with neither is skipped).

    Raises
    ------
    DataFileError
        Naming a file of each protocol and both names.
    """
    seen: dict[str, tuple[str, Path]] = {}
    for run, sidecar in zip(runs, sidecars, strict=True):
        task = _TASK.search(run.name)
        name = sidecar.get("ProtocolName")
        if name is None:
            name = (sidecar.get("Protocol") or {}).get("name") if isinstance(sidecar.get("Protocol"), dict) else None
        if task is None or not isinstance(name, str):
            continue
        first = seen.setdefault(task.group(1), (name, run))
        if first[0] != name:
            raise DataFileError(
                f"{first[1]} and {run}: task-{task.group(1)} holds runs of two protocols, {first[0]!r} and "
                f"{name!r} (ProtocolName in their sidecars); give one protocol a name with other letters or "
                "digits, or keep their runs in separate datasets"
            )
