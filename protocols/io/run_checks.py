"""Checks of one run against its sidecar, shared by ``validate-data`` and the analysis.

A trial table can be well formed row by row and still be wrong as a run: a run marked
``complete`` whose file lost rows, a response time longer than the protocol lets a trial last,
a sidecar whose fields have the wrong JSON type. Both readers call these functions, so
``motorseq validate-data`` and ``motorseq analyze`` refuse (or warn about) the same runs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import DataFileError

__all__ = [
    "check_participants",
    "check_sidecar_shape",
    "response_time_limit_s",
    "check_run",
    "RT_TOLERANCE_S",
    "RT_CEILING_S",
]

#: A press registered in the frame after the timeout can be this much later than the timeout.
RT_TOLERANCE_S = 0.1
#: Without a timeout in the protocol, a response time beyond this is not a response time.
RT_CEILING_S = 600.0

_SHAPES: dict[str, tuple[type, ...]] = {
    "Protocol": (dict,),
    "Source": (dict,),
    "Software": (dict,),
    "Extra": (dict,),
    "RunStatus": (str,),
    "ProtocolName": (str,),
    "Participant": (str, int),
    "Session": (str, int),
    "Run": (int,),
    "Seed": (int,),
    "TrialsWritten": (int,),
}
_STATUSES = ("complete", "aborted", "interrupted")


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def check_sidecar_shape(path: str | Path, sidecar: object) -> dict:
    """Check the JSON types of the sidecar fields the readers use; return the sidecar.

    Raises
    ------
    DataFileError
        ``file: field: expected …, found …`` for the first field of the wrong type.
    """
    if not isinstance(sidecar, dict):
        raise DataFileError(f"{path}: the sidecar must be a JSON object, found {_json_type(sidecar)}")
    for name, types in _SHAPES.items():
        if name not in sidecar or sidecar[name] is None:
            continue
        value = sidecar[name]
        if isinstance(value, bool) or not isinstance(value, types):
            expected = " or ".join(_json_type(t()) if t is not int else "a whole number" for t in types)
            raise DataFileError(f"{path}: {name}: expected {expected}, found {_json_type(value)} {value!r:.40}")
    if sidecar.get("RunStatus") is not None and sidecar["RunStatus"] not in _STATUSES:
        raise DataFileError(f"{path}: RunStatus: {sidecar['RunStatus']!r:.40} is not one of {', '.join(_STATUSES)}")
    if isinstance(sidecar.get("TrialsWritten"), int) and sidecar["TrialsWritten"] < 0:
        raise DataFileError(f"{path}: TrialsWritten: {sidecar['TrialsWritten']} is negative")
    protocol = sidecar.get("Protocol") or {}
    if "Protocol" in sidecar and not isinstance(protocol.get("paradigm"), str):
        found = _json_type(protocol.get("paradigm"))
        raise DataFileError(f"{path}: Protocol.paradigm: expected a string, found {found}")
    for name in ("response", "ftt", "asrt"):
        if protocol.get(name) is not None and not isinstance(protocol[name], dict):
            raise DataFileError(f"{path}: Protocol.{name}: expected an object, found {_json_type(protocol[name])}")
    return sidecar


def _positive(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def response_time_limit_s(sidecar: dict) -> tuple[float, str]:
    """Return the longest response time (s) the run's protocol allows, and where it comes from.

    ``Protocol.response.timeout_ms`` when the protocol has a timeout; FTT: the tapping period
    (``Protocol.ftt.tap_s``); otherwise :data:`RT_CEILING_S`.
    """
    protocol = sidecar.get("Protocol") or {}
    timeout_ms = _positive((protocol.get("response") or {}).get("timeout_ms"))
    if timeout_ms is not None:
        return timeout_ms / 1000.0, "the protocol's timeout (Protocol.response.timeout_ms in the sidecar)"
    tap_s = _positive((protocol.get("ftt") or {}).get("tap_s"))
    if tap_s is not None:
        return tap_s, "the tapping period (Protocol.ftt.tap_s in the sidecar)"
    return RT_CEILING_S, "the longest plausible response time"


def check_run(path: Path, sidecar: dict, rt_s: np.ndarray, lines: np.ndarray, n_rows: int, cut_off: bool) -> list[str]:
    """Check one run's rows against its sidecar; return warnings for a reader to show.

    Parameters
    ----------
    path : Path
        The ``_beh.tsv`` file.
    sidecar : dict
        Its ``_beh.json`` (``{}`` when it has none).
    rt_s : numpy.ndarray
        The run's ``rt`` column (s; NaN for ``n/a``).
    lines : numpy.ndarray
        The file line of each row.
    n_rows : int
        Trial rows read (without a last row cut off by a crash).
    cut_off : bool
        A last row without its end of line was dropped.

    Returns
    -------
    list of str
        Warnings (an interrupted run, a dropped row, a run with no trials), one line each.

    Raises
    ------
    DataFileError
        ``file:line: rt: …`` for a response time that is not finite or longer than the protocol
        allows; ``file: …`` for a run marked complete whose rows do not match ``TrialsWritten``.
    """
    label = path.name.split("_")[0].removeprefix("sub-")
    if sidecar.get("Participant") is not None and str(sidecar["Participant"]) != label:
        raise DataFileError(
            f"{path}: the sidecar's Participant is {str(sidecar['Participant'])!r:.40}, "
            f"but the file name says sub-{label}"
        )
    finite = np.isfinite(rt_s) | np.isnan(rt_s)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise DataFileError(f"{path}:{lines[i]}: rt: {rt_s[i]} is not a finite number")
    limit, source = response_time_limit_s(sidecar)
    over = rt_s > limit + RT_TOLERANCE_S
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise DataFileError(f"{path}:{lines[i]}: rt: {rt_s[i]:.6g} s is longer than {source}, {limit:g} s")
    status = sidecar.get("RunStatus")
    written = sidecar.get("TrialsWritten")
    warnings = []
    if status == "complete":
        if cut_off:
            raise DataFileError(
                f"{path}:{n_rows + 2}: the last row is cut off, but the sidecar says RunStatus complete: "
                "the file was truncated after the run"
            )
        if written is not None and n_rows != written:
            raise DataFileError(
                f"{path}: {n_rows} trial row(s), but the sidecar says RunStatus complete with "
                f"TrialsWritten {written}: the file was truncated or edited after the run"
            )
        if n_rows == 0:
            raise DataFileError(f"{path}: no trial rows (header only), but the sidecar says RunStatus complete")
        return warnings
    if status in ("aborted", "interrupted"):
        warnings.append(f"{path}: run {status} after {n_rows} trial(s)")
    if cut_off:
        warnings.append(f"{path}:{n_rows + 2}: a last row cut off by a crash was left out")
    if n_rows == 0:
        warnings.append(f"{path}: no trial rows (header only): the run adds nothing to the analysis")
    return warnings


def check_participants(path: str | Path) -> int:
    """Check a dataset's ``participants.tsv``: UTF-8 text, a ``participant_id`` column, rows as wide as the header.

    Returns
    -------
    int
        Participants listed.

    Raises
    ------
    DataFileError
        ``file:line: problem`` for the first bad line.
    """
    import re

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise DataFileError(f"{path}: cannot be read: {error.strerror}") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise DataFileError(f"{path}:1: the file is empty (no header)")
    names = lines[0].rstrip("\r").split("\t")
    if "participant_id" not in names:
        raise DataFileError(f"{path}:1: missing column participant_id")
    index = names.index("participant_id")
    for number, line in enumerate(lines[1:], 2):
        cells = line.rstrip("\r").split("\t")
        if len(cells) != len(names):
            raise DataFileError(f"{path}:{number}: expected {len(names)} fields, found {len(cells)}")
        if not re.fullmatch(r"sub-[A-Za-z0-9]+", cells[index]):
            raise DataFileError(
                f"{path}:{number}: participant_id: {cells[index]!r:.40} is not sub-<letters and digits>"
            )
    return len(lines) - 1
