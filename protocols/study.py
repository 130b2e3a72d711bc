"""Studies: several sessions of protocols, in order, with the delay before each.

A **study** file (YAML) lists the sessions of a multi-session design (consolidation, retention,
relearning). Each session names a bundled protocol or a protocol file (relative to the study
file), optionally a different protocol per group, and the delay since the previous session with
its tolerance::

    name: ftt-overnight
    title: Finger tapping, training and a retest 12 h later
    sessions:
      - {protocol: ftt}
      - {protocol: ftt-test, delay: 12h, tolerance: 2h}
    source: {citation: "Walker et al. (2002) ..."}

Delays are written ``<number><unit>`` with unit ``s``, ``min``, ``h`` or ``d`` (``10min``,
``24h``, ``7d``). A session left without ``tolerance`` accepts ±25 % of its delay.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, model_validator

from .errors import ProtocolError
from .registry import _one_line, load_protocol
from .schema import MAX_NAME_LENGTH, GroupLabel, Protocol, Source, _Strict
from .yaml_loader import read_yaml_file

__all__ = [
    "Study",
    "StudySession",
    "LoadedStudy",
    "parse_delay",
    "format_delay",
    "load_study",
    "list_studies",
    "study_path",
    "is_study_file",
    "DEFAULT_TOLERANCE",
]

#: Tolerance of a session that gives none, as a fraction of its delay.
DEFAULT_TOLERANCE = 0.25
#: Most sessions in one study.
MAX_SESSIONS = 50

_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_DELAY = re.compile(r"(\d+(?:\.\d+)?)\s*(s|min|h|d)")


def parse_delay(text: str) -> float:
    """Return a delay such as ``'24h'``, ``'7d'``, ``'10min'`` or ``'30s'`` in seconds.

    Raises
    ------
    ValueError
        If the text is not ``<number><unit>`` with unit ``s``, ``min``, ``h`` or ``d``.
    """
    match = _DELAY.fullmatch(str(text).strip())
    if match is None:
        raise ValueError(f"{str(text)[:40]!r} is not a delay: write a number and a unit s, min, h or d (e.g. 24h, 7d)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > 10 * 365 * 86400:
        raise ValueError(f"{text!r} is longer than 10 years")
    return seconds


def format_delay(seconds: float) -> str:
    """Return ``seconds`` in the largest unit that keeps it readable (``'7d'``, ``'12h'``, ``'10min'``)."""
    for unit in ("d", "h", "min", "s"):
        value = seconds / _UNITS[unit]
        if value >= 1 or unit == "s":
            return f"{value:g}{unit}" if value == round(value, 2) else f"{value:.2f}{unit}"
    return f"{seconds:g}s"  # pragma: no cover


def _delay(value: str) -> str:
    parse_delay(value)
    return value


Delay = Annotated[str, AfterValidator(_delay)]


class StudySession(_Strict):
    """One session of a study: which protocol, after how long."""

    protocol: str | None = Field(
        None, min_length=1, max_length=500, description="Bundled protocol name or file (relative to the study)."
    )
    groups: dict[GroupLabel, str] | None = Field(
        None, description="Protocol per group (group -> protocol), instead of one protocol for all."
    )
    delay: Delay | None = Field(None, description="Time since the previous session (24h, 7d, 10min); not session 1.")
    tolerance: Delay | None = Field(None, description="Allowed deviation from the delay (default 25 % of it).")
    label: str = Field("", max_length=200, description="What the session is (training, retest, relearning).")

    @model_validator(mode="after")
    def _one_protocol_source(self) -> StudySession:
        if (self.protocol is None) == (self.groups is None):
            raise ValueError("give either protocol (one for everybody) or groups (a protocol per group)")
        if self.groups is not None and not self.groups:
            raise ValueError("groups: at least one group")
        if self.tolerance is not None and self.delay is None:
            raise ValueError("tolerance without a delay")
        return self

    @property
    def delay_s(self) -> float | None:
        """Delay since the previous session, s (``None`` for none)."""
        return None if self.delay is None else parse_delay(self.delay)

    @property
    def tolerance_s(self) -> float | None:
        """Allowed deviation from the delay, s."""
        if self.delay is None:
            return None
        if self.tolerance is None:
            return DEFAULT_TOLERANCE * parse_delay(self.delay)
        return parse_delay(self.tolerance)

    def protocol_for(self, group: str | None) -> str:
        """Return the protocol (name or path as written) a participant of ``group`` runs."""
        if self.protocol is not None:
            return self.protocol
        assert self.groups is not None
        if group is None or group not in self.groups:
            raise ProtocolError(f"--group: {group!r} is not a group of this session (groups: {', '.join(self.groups)})")
        return self.groups[group]


class Study(_Strict):
    """A multi-session design: sessions in order, each with its protocol(s) and delay."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=MAX_NAME_LENGTH)
    title: str = Field(max_length=500)
    description: str = Field("", max_length=20_000)
    groups: list[GroupLabel] = Field(default_factory=list, max_length=100, description="Groups of participants.")
    sessions: list[StudySession] = Field(min_length=1, max_length=MAX_SESSIONS)
    source: Source

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        if self.sessions[0].delay is not None:
            raise ValueError("sessions.0.delay: the first session has no delay before it")
        for i, session in enumerate(self.sessions[1:], start=1):
            if session.delay is None:
                raise ValueError(f"sessions.{i}.delay: required for every session after the first (e.g. 24h)")
            if (
                session.tolerance_s is not None
                and session.delay_s is not None
                and session.tolerance_s > session.delay_s
            ):
                raise ValueError(f"sessions.{i}.tolerance: larger than the delay {session.delay}")
        for i, session in enumerate(self.sessions):
            if session.groups is None:
                continue
            if not self.groups:
                raise ValueError(f"sessions.{i}.groups: the study lists no groups")
            missing = [g for g in self.groups if g not in session.groups]
            extra = [g for g in session.groups if g not in self.groups]
            if extra:
                raise ValueError(f"sessions.{i}.groups: {extra} not in the study's groups {self.groups}")
            if missing:
                raise ValueError(f"sessions.{i}.groups: no protocol for group(s) {missing}")
        if len(set(self.groups)) != len(self.groups):
            raise ValueError("groups: a group is listed twice")
        return self

    @property
    def n_sessions(self) -> int:
        """Number of sessions."""
        return len(self.sessions)


class LoadedStudy:
    """A validated study with its protocols loaded.

    Attributes
    ----------
    study : Study
        The study as written.
    path : Path
        Its file.
    protocols : dict
        ``(session number, group or None) -> Protocol`` (session numbers are 1-based).
    """

    def __init__(self, study: Study, path: Path, protocols: dict[tuple[int, str | None], Protocol]) -> None:
        self.study = study
        self.path = path
        self.protocols = protocols

    @property
    def name(self) -> str:
        """The study's name."""
        return self.study.name

    def session(self, number: int) -> StudySession:
        """Return session ``number`` (1-based), or raise a one-line :class:`ProtocolError`."""
        if not 1 <= number <= self.study.n_sessions:
            raise ProtocolError(f"--session {number}: study {self.name!r} has sessions 1 to {self.study.n_sessions}")
        return self.study.sessions[number - 1]

    def protocol(self, number: int, group: str | None = None) -> Protocol:
        """Return the protocol of session ``number`` for ``group``."""
        session = self.session(number)
        if session.protocol is not None:
            return self.protocols[(number, None)]
        if not self.study.groups or group not in self.study.groups:
            listed = ", ".join(self.study.groups)
            raise ProtocolError(f"--group: study {self.name!r} needs one of its groups ({listed}), got {group!r}")
        return self.protocols[(number, group)]


def _bundled() -> dict[str, Path]:
    from importlib import resources

    folder = resources.files("motorseq.protocols").joinpath("studies")
    if not folder.is_dir():
        return {}
    return {Path(e.name).stem: Path(str(e)) for e in folder.iterdir() if e.name.endswith(".yaml")}


def list_studies() -> list[str]:
    """Return the names of the bundled studies, sorted."""
    return sorted(_bundled())


def study_path(name_or_path: str | Path) -> Path:
    """Return the file of a bundled study name, or the given path if it is a file."""
    bundled = _bundled()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise ProtocolError(f"{name_or_path}: no such study file or bundled study (bundled: {', '.join(sorted(bundled))})")


def _read(path: Path) -> Any:
    return read_yaml_file(path, "study")


def is_study_file(path: str | Path) -> bool:
    """Whether a YAML file is a study (a mapping with ``sessions``) rather than a protocol."""
    try:
        data = _read(Path(path))
    except ProtocolError:
        return False
    return isinstance(data, dict) and "sessions" in data


def _resolve_protocol(reference: str, base: Path, field: str, source: str) -> Protocol:
    from .registry import list_protocols

    candidate = reference if reference in list_protocols() else base / reference
    try:
        return load_protocol(candidate)
    except ProtocolError as error:
        raise ProtocolError(f"{source}: {field}: {reference!r}: {error}") from None


def load_study(name_or_path: str | Path) -> LoadedStudy:
    """Load and validate a study and every protocol it names.

    Parameters
    ----------
    name_or_path : str or Path
        A bundled study name (:func:`list_studies`) or a YAML file.

    Returns
    -------
    LoadedStudy
        The study and its protocols.

    Raises
    ------
    ProtocolError
        One line ``file: field: problem`` (a protocol that does not load is named by its field,
        ``sessions.1.protocol``, with the protocol's own one-line problem).
    """
    path = study_path(name_or_path)
    data = _read(path)
    source = str(path)
    if not isinstance(data, dict):
        raise ProtocolError(f"{source}: (top level): a study is a mapping of fields, got {type(data).__name__}")
    try:
        study = Study.model_validate(data)
    except ValidationError as error:
        raise ProtocolError(_one_line(source, error)) from None
    protocols: dict[tuple[int, str | None], Protocol] = {}
    for i, session in enumerate(study.sessions):
        if session.protocol is not None:
            field = f"sessions.{i}.protocol"
            protocols[(i + 1, None)] = _resolve_protocol(session.protocol, path.parent, field, source)
        else:
            assert session.groups is not None
            for group, reference in session.groups.items():
                field = f"sessions.{i}.groups.{group}"
                protocols[(i + 1, group)] = _resolve_protocol(reference, path.parent, field, source)
    return LoadedStudy(study, path, protocols)
