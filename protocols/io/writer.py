"""Crash-safe writing of one run: a trial row is on disk (fsynced) when the trial ends."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from ..errors import DataFileError, RunExistsError
from ..labels import validate_group_label
from ..registry import protocol_hash
from ..schema import Protocol
from .atomic import atomic_write_json, atomic_write_text, fsync_dir
from .columns import BEH_COLUMNS, EVENT_COLUMNS, Column, describe
from .dataset import add_participant, ensure_dataset
from .paths import RunPaths, run_paths
from .run_checks import _json_type
from .tsv import format_value

__all__ = ["RunWriter", "software_versions", "RunStatus", "check_resume"]

RunStatus = Literal["complete", "aborted", "interrupted"]


def software_versions(*packages: str) -> dict[str, str]:
    """Versions of Python, motorseq and the named packages (those not installed are left out)."""
    versions = {"python": platform.python_version()}
    for name in ("motorseq", "numpy", "pandas", *packages):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


#: ``Extra`` entries of a sidecar that a resumed run appends to.
_EXTRA_LISTS = ("Resumed", "Segments", "FrameStats")
_UNCHANGED = "cannot resume (nothing was changed)"


@dataclass(frozen=True)
class _ResumePlan:
    """What resuming a run keeps: its sidecar, the trial rows and the key presses, as checked text."""

    sidecar: dict[str, Any]
    beh_text: str
    events_text: str | None
    kept: int


def _trial_indices(path: Path, header: str, rows: Sequence[str]) -> list[int]:
    """Return the ``trial_index`` of each row, or raise :class:`DataFileError` naming the line."""
    names = header.rstrip("\n").split("\t")
    if "trial_index" not in names:
        raise DataFileError(f"{path}:1: trial_index: no such column; {_UNCHANGED}")
    column = names.index("trial_index")
    indices = []
    for number, line in enumerate(rows, start=2):
        cells = line.rstrip("\n").split("\t")
        if len(cells) != len(names):
            raise DataFileError(f"{path}:{number}: expected {len(names)} fields, found {len(cells)}; {_UNCHANGED}")
        value = cells[column]
        try:
            index = int(value)
        except ValueError:
            index = 0
        if index < 1:
            raise DataFileError(f"{path}:{number}: trial_index: {value!r:.40} is not a trial number; {_UNCHANGED}")
        indices.append(index)
    return indices


def _resume_plan(paths: RunPaths, protocol: Protocol, seed: int) -> _ResumePlan:
    """Check that a run can be resumed without losing anything; return what resuming keeps.

    Nothing is written. The rows left in ``_beh.tsv`` must number 1, 2, … and be at least the
    sidecar's ``TrialsWritten``; ``_events.tsv`` may hold key presses of one trial more (the trial
    in progress when the run stopped: its presses are saved just before its row), not more.
    Anything else means saved trials were lost, and resuming would delete their key presses.
    """
    from .reader import read_sidecar, read_table_lines

    path = paths.sidecar
    sidecar = read_sidecar(path)
    if sidecar.get("RunStatus") == "complete":
        raise RunExistsError(f"{path}: RunStatus: the run is complete; it is never overwritten")
    if sidecar.get("ProtocolSHA256") != protocol_hash(protocol):
        raise DataFileError(f"{path}: ProtocolSHA256: the run was started with a different protocol; cannot resume")
    if sidecar.get("Seed") is None:
        raise DataFileError(f"{path}: Seed: missing; the run's trial list cannot be checked; {_UNCHANGED}")
    if sidecar["Seed"] != seed:
        raise DataFileError(f"{path}: Seed: the run was started with seed {sidecar['Seed']}")
    if sidecar.get("StartTime") is not None and not isinstance(sidecar["StartTime"], str):
        found = _json_type(sidecar["StartTime"])
        raise DataFileError(f"{path}: StartTime: expected a string, found {found}; {_UNCHANGED}")
    extra = sidecar.get("Extra") or {}
    for name in _EXTRA_LISTS:
        if name in extra and not isinstance(extra[name], list):
            found = _json_type(extra[name])
            raise DataFileError(f"{path}: Extra.{name}: expected a list, found {found}; {_UNCHANGED}")
    header, rows = read_table_lines(paths.beh, drop_partial_last=True)
    kept = len(rows)
    for number, index in enumerate(_trial_indices(paths.beh, header, rows), start=1):
        if index != number:
            raise DataFileError(
                f"{paths.beh}:{number + 1}: trial_index: {index} where trial {number} was expected; {_UNCHANGED}"
            )
    events_text, highest = None, 0
    if paths.events.exists():
        ev_header, ev_rows = read_table_lines(paths.events, drop_partial_last=True)
        indices = _trial_indices(paths.events, ev_header, ev_rows)
        highest = max(indices, default=0)
        events_text = "".join([ev_header, *(line for line, i in zip(ev_rows, indices, strict=True) if i <= kept)])
    written = sidecar.get("TrialsWritten") or 0
    lost = [f"{path.name} says TrialsWritten {written}"] if kept < written else []
    if highest > kept + 1:
        lost.append(f"{paths.events.name} has key presses of trial {highest}")
    if lost:
        raise DataFileError(
            f"{paths.beh}: {kept} trial rows left, but {' and '.join(lost)}: saved trials were lost; {_UNCHANGED}"
        )
    return _ResumePlan(sidecar, "".join([header, *rows]), events_text, kept)


def check_resume(paths: RunPaths, protocol: Protocol, seed: int) -> int:
    """Check, writing nothing, that a run can be resumed; return how many saved trials it keeps.

    Raises
    ------
    RunExistsError
        The run is complete.
    DataFileError
        One line naming the file and the field: another protocol or seed, a damaged sidecar
        (``Seed`` missing, ``Extra.Segments`` not a list…), a row that is not a trial, or saved
        trials that were lost (fewer rows than ``TrialsWritten``, key presses of later trials).
    """
    return _resume_plan(paths, protocol, int(seed)).kept


class _AppendOnlyTable:
    """A TSV file written one fsynced row at a time."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self._names = frozenset(c.name for c in self.columns)
        self._handle = None

    def open(self, fresh: bool) -> None:
        if fresh:
            with open(self.path, "x", encoding="utf-8", newline="") as handle:
                handle.write("\t".join(c.name for c in self.columns) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            fsync_dir(self.path.parent)
        self._handle = open(self.path, "a", encoding="utf-8", newline="")

    def format(self, rows: Sequence[Mapping[str, Any]]) -> str:
        """Return the rows as TSV lines, checked against the columns (nothing is written)."""
        lines = []
        for row in rows:
            unknown = set(row) - self._names
            if unknown:
                raise ValueError(f"{self.path.name}: unknown column(s) {sorted(unknown)}")
            lines.append("\t".join(format_value(row.get(c.name), c.dtype) for c in self.columns) + "\n")
        return "".join(lines)

    def write(self, text: str) -> None:
        """Append formatted lines and fsync them."""
        if not text:
            return
        self._handle.write(text)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class RunWriter:
    """Write one run of one participant, a trial at a time.

    Each :meth:`write_trial` appends the trial's key presses to ``_events.tsv`` and its row to
    ``_beh.tsv`` and fsyncs both, so a crash or ``kill -9`` loses at most the trial in progress.
    The sidecar says ``interrupted`` until :meth:`close` records how the run ended.

    Parameters
    ----------
    root : str or Path
        The BIDS dataset folder (created if needed).
    protocol : Protocol
        The protocol being run; stored in the sidecar with its hash.
    participant, session : str
        BIDS labels.
    run : int
        Run number.
    seed : int
        Seed of the trial list (and of the model, for simulated participants).
    source : dict
        ``{"Type": "human"}``, ``{"Type": "model", "Parameters": {...}}`` (the spiking model) or
        ``{"Type": "simulated", ...}`` (scripted key presses).
    resume : bool
        Continue an interrupted or aborted run instead of starting a new one.
    software : sequence of str
        Extra packages whose versions go in the sidecar (``"psychopy"``, ``"brian2"``).
    group : str, optional
        Group written to ``participants.tsv``.
    wall_clock : bool
        Record ``StartTime``/``EndTime``; a simulated run sets it false so that the same seed
        gives byte-identical files.

    Raises
    ------
    RunExistsError
        The run exists and ``resume`` is false, or it is already complete.
    LabelError
        A label or the group is not allowed.
    DataFileError
        The run's folder leads outside ``root`` (a symlink planted in the dataset).
    """

    def __init__(
        self,
        root: str | Path,
        protocol: Protocol,
        participant: str | int,
        session: str | int = "1",
        run: int = 1,
        *,
        seed: int = 0,
        source: Mapping[str, Any] | None = None,
        resume: bool = False,
        software: Sequence[str] = (),
        group: str | None = None,
        wall_clock: bool = True,
    ) -> None:
        self.wall_clock = wall_clock
        self.paths: RunPaths = run_paths(root, participant, session, protocol.name, run)
        if group is not None:
            validate_group_label(group, "group")
        self.paths.check_inside()
        self.protocol = protocol
        self.seed = int(seed)
        self.source = dict(source or {"Type": "human"})
        self.extra: dict[str, Any] = {}
        self._beh = _AppendOnlyTable(self.paths.beh, BEH_COLUMNS)
        self._events = _AppendOnlyTable(self.paths.events, EVENT_COLUMNS)
        self.n_written = 0
        self.status: RunStatus = "interrupted"
        exists = self.paths.beh.exists()
        if exists and not resume:
            raise RunExistsError(
                f"{self.paths.beh}: run {run} exists already; it is never overwritten "
                "(use --resume to continue it, or another --run)"
            )
        if resume and not exists:
            raise RunExistsError(f"{self.paths.beh}: nothing to resume (no such run)")
        plan = _resume_plan(self.paths, self.protocol, self.seed) if resume else None
        ensure_dataset(self.paths.root)
        add_participant(self.paths.root, self.paths.participant, str(self.source.get("Type", "human")), group)
        self.paths.folder.mkdir(parents=True, exist_ok=True)
        self.started = _now() if wall_clock else None
        self.software = software_versions(*software)
        if plan is not None:
            self._prepare_resume(plan)
        else:
            self._write_sidecars()
            self._beh.open(fresh=True)
            self._events.open(fresh=True)

    # -- resume ---------------------------------------------------------------------------
    def _prepare_resume(self, plan: _ResumePlan) -> None:
        """Continue the run checked by :func:`_resume_plan`: drop only a cut-off row and the trial in progress."""
        self.started = plan.sidecar.get("StartTime", self.started)
        self.extra = dict(plan.sidecar.get("Extra") or {})
        atomic_write_text(self.paths.beh, plan.beh_text)
        if plan.events_text is not None:
            atomic_write_text(self.paths.events, plan.events_text)
            self._events.open(fresh=False)
        else:
            self._events.open(fresh=True)
        self.n_written = plan.kept
        self.extra.setdefault("Resumed", []).append(
            {"At": _now() if self.wall_clock else None, "FromTrial": plan.kept + 1}
        )
        self._write_sidecars()
        self._beh.open(fresh=False)

    # -- writing ----------------------------------------------------------------------------
    def _sidecar(self) -> dict[str, Any]:
        return {
            "TaskName": self.protocol.title,
            "TaskDescription": " ".join(self.protocol.description.split()),
            **describe(BEH_COLUMNS),
            "Protocol": self.protocol.model_dump(mode="json", by_alias=True),
            "ProtocolName": self.protocol.name,
            "ProtocolSHA256": protocol_hash(self.protocol),
            "Participant": self.paths.participant,
            "Session": self.paths.session,
            "Run": self.paths.run,
            "Seed": self.seed,
            "Source": self.source,
            "Software": self.software,
            "RunStatus": self.status,
            "TrialsWritten": self.n_written,
            "StartTime": self.started,
            "EndTime": None if self.status == "interrupted" or not self.wall_clock else _now(),
            "Extra": self.extra,
        }

    def _write_sidecars(self) -> None:
        atomic_write_json(self.paths.sidecar, self._sidecar())
        if not self.paths.events_sidecar.exists():
            atomic_write_json(self.paths.events_sidecar, describe(EVENT_COLUMNS))

    @property
    def next_trial_index(self) -> int:
        """``trial_index`` of the next trial to run (1 for a new run; after the last saved one on resume)."""
        return self.n_written + 1

    def write_trial(self, row: Mapping[str, Any], presses: Sequence[Mapping[str, Any]] = ()) -> None:
        """Append one finished trial and its key presses, and fsync them.

        Parameters
        ----------
        row : mapping
            Column name → value for ``_beh.tsv``; missing columns are written as ``n/a``.
        presses : sequence of mapping
            Rows for ``_events.tsv`` (``onset``, ``duration``, ``key``…); ``trial_type``,
            ``block`` and ``trial_index`` are filled in from ``row`` when absent.
        """
        self.write_trials([row], [presses])

    def write_trials(self, rows: Sequence[Mapping[str, Any]], presses: Sequence[Sequence[Mapping[str, Any]]]) -> None:
        """Append finished trials and their key presses, with one fsync per file.

        :meth:`write_trial` is this for one trial. A simulated run, written whole into a temporary
        folder, passes all its trials at once. Every row is checked before anything is written.

        Parameters
        ----------
        rows : sequence of mapping
            One ``_beh.tsv`` row per trial, in order.
        presses : sequence of sequence of mapping
            Each trial's key presses (as :meth:`write_trial` takes them).
        """
        if self.status != "interrupted":
            raise RuntimeError("the run is closed")
        if len(rows) != len(presses):
            raise ValueError(f"{len(rows)} trial rows but {len(presses)} lists of key presses")
        filled, expected = [], self.n_written
        for row, trial_presses in zip(rows, presses, strict=True):
            expected += 1
            if int(row.get("trial_index", expected)) != expected:
                raise ValueError(f"trial_index {row.get('trial_index')} written out of order (expected {expected})")
            filled.extend(
                {"trial_type": "keypress", "block": row.get("block"), "trial_index": expected, **press}
                for press in trial_presses
            )
        events, beh = self._events.format(filled), self._beh.format(rows)  # both checked before either is written
        self._events.write(events)
        self._beh.write(beh)
        self.n_written = expected

    def save_sidecar(self) -> None:
        """Rewrite the sidecar now (e.g. with new ``extra`` entries), keeping the run ``interrupted``."""
        self._write_sidecars()

    def close(self, status: RunStatus = "complete") -> None:
        """Record how the run ended (``complete``, ``aborted`` or ``interrupted``) in the sidecar."""
        if status not in ("complete", "aborted", "interrupted"):
            raise ValueError(f"status must be complete, aborted or interrupted, got {status!r}")
        self._beh.close()
        self._events.close()
        self.status = status
        self._write_sidecars()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.status != "interrupted":
            return
        if exc_type is None:
            self.close("complete")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.close("aborted")
        else:
            self.close("interrupted")
