"""Crash-safe writing of one run: a trial row is on disk (fsynced) when the trial ends."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Mapping, Sequence
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
from .tsv import format_value

__all__ = ["RunWriter", "software_versions", "RunStatus"]

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
        ensure_dataset(self.paths.root)
        add_participant(self.paths.root, self.paths.participant, str(self.source.get("Type", "human")), group)
        self.paths.folder.mkdir(parents=True, exist_ok=True)
        self.started = _now() if wall_clock else None
        self.software = software_versions(*software)
        if resume:
            self._prepare_resume()
        else:
            self._write_sidecars()
            self._beh.open(fresh=True)
            self._events.open(fresh=True)

    # -- resume ---------------------------------------------------------------------------
    def _prepare_resume(self) -> None:
        from .reader import read_sidecar, read_table_lines

        sidecar = read_sidecar(self.paths.sidecar)
        if sidecar.get("RunStatus") == "complete":
            raise RunExistsError(f"{self.paths.sidecar}: RunStatus: the run is complete; it is never overwritten")
        if sidecar.get("ProtocolSHA256") != protocol_hash(self.protocol):
            raise DataFileError(
                f"{self.paths.sidecar}: ProtocolSHA256: the run was started with a different protocol; cannot resume"
            )
        if int(sidecar.get("Seed", -1)) != self.seed:
            raise DataFileError(f"{self.paths.sidecar}: Seed: the run was started with seed {sidecar.get('Seed')}")
        self.started = sidecar.get("StartTime", self.started)
        self.extra = dict(sidecar.get("Extra", {}))
        header, rows = read_table_lines(self.paths.beh, drop_partial_last=True)
        kept_trials = len(rows)
        atomic_write_text(self.paths.beh, "".join([header, *rows]))
        if self.paths.events.exists():
            ev_header, ev_rows = read_table_lines(self.paths.events, drop_partial_last=True)
            index_col = ev_header.rstrip("\n").split("\t").index("trial_index")
            kept = [line for line in ev_rows if int(line.split("\t")[index_col]) <= kept_trials]
            atomic_write_text(self.paths.events, "".join([ev_header, *kept]))
            self._events.open(fresh=False)
        else:
            self._events.open(fresh=True)
        self.n_written = kept_trials
        self.extra.setdefault("Resumed", []).append(
            {"At": _now() if self.wall_clock else None, "FromTrial": kept_trials + 1}
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
