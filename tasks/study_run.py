"""Run session K of a study: pick its protocol and check the delay since session K − 1.

The end of session K − 1 is read from the saved data (the ``EndTime`` of the participant's
latest run of the study's session K − 1 with trials in ``sub-<p>/ses-<K-1>/``, or its ``StartTime``
when it has no end; an aborted run with trials counts, see :func:`previous_session_end`); the time since
then must be within the study's delay ± tolerance. Outside it, the run is refused with one line
that says how long it has been and when the window opens or closes; ``--ignore-delay`` runs it
anyway and the sidecar records the delay that was kept (``Extra.Study``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from motorseq.protocols import DataFileError, LabelError, Protocol, check_label
from motorseq.protocols.io import read_sidecar
from motorseq.protocols.io.reader import read_table_lines
from motorseq.protocols.labels import validate_group_label
from motorseq.protocols.study import LoadedStudy, format_delay, is_study_file, list_studies, load_study

from .errors import TaskError

__all__ = ["is_study", "study_session", "previous_session_end", "check_study_group"]


def is_study(reference: str) -> bool:
    """Whether ``reference`` names a bundled study or a study file."""
    return reference in list_studies() or (Path(reference).is_file() and is_study_file(reference))


def _session_number(session: str, study: LoadedStudy) -> int:
    try:
        number = int(session)
    except ValueError:
        number = 0
    if not 1 <= number <= study.study.n_sessions or str(number) != str(session):
        raise TaskError(
            f"--session {session}: the sessions of study {study.name!r} are numbered 1 to {study.study.n_sessions}"
        )
    return number


def _stamp(sidecar: Path, info: dict[str, Any]) -> dt.datetime | None:
    """When a run ended (``EndTime``, else ``StartTime``), or raise naming the field that is not a time."""
    field = "EndTime" if info.get("EndTime") is not None else "StartTime"
    stamp = info.get(field)
    if stamp is None:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        when = None
    if when is None:
        raise DataFileError(
            f"{sidecar}: {field}: {stamp!r:.40} is not an ISO 8601 time; cannot check the study's delay"
        )
    if when.utcoffset() is None:
        raise DataFileError(
            f"{sidecar}: {field}: {stamp!r:.40} has no time zone (motorseq writes UTC, ending +00:00); "
            "cannot check the study's delay"
        )
    return when


def _is_session_run(info: dict[str, Any], study: str, session: int, protocol: str) -> bool:
    """Whether a sidecar is of ``session`` of ``study``: its ``Extra.Study``, else its protocol's name."""
    extra = info.get("Extra") or {}
    recorded = extra.get("Study") if isinstance(extra, dict) else None
    if isinstance(recorded, dict):
        return recorded.get("Name") == study and recorded.get("Session") == session
    return info.get("ProtocolName") == protocol


def previous_session_end(
    data: Path, participant: str, session: int, study: str, protocol: str
) -> tuple[dt.datetime, Path] | None:
    """When the participant's latest run of ``session`` of ``study`` ended, and which sidecar said so.

    A run counts when its sidecar's ``Extra.Study`` names this study and session (a run started
    without the study, which has no ``Extra.Study``: when its ``ProtocolName`` is ``protocol``,
    the session's protocol) and its ``_beh.tsv`` holds at least one trial. An aborted run with
    trials counts: the participant did practise until it stopped, and ``Extra.Study`` of the new
    run records that run and its ``RunStatus``. A run of another protocol or study in the folder,
    or one without trials, does not count.

    Raises
    ------
    DataFileError
        A sidecar of the folder cannot be read, or a counted run's ``EndTime`` (``StartTime``)
        is not an ISO 8601 time with a time zone: one line naming the file and the field.
    """
    folder = Path(data) / f"sub-{participant}" / f"ses-{session}" / "beh"
    found = []
    for sidecar in sorted(folder.glob("*_beh.json")):
        info = read_sidecar(sidecar)
        if not _is_session_run(info, study, session, protocol):
            continue
        beh = sidecar.with_suffix(".tsv")
        if not beh.exists() or not read_table_lines(beh, drop_partial_last=True)[1]:
            continue
        when = _stamp(sidecar, info)
        if when is not None:
            found.append((when, sidecar))
    return max(found) if found else None


def check_study_group(group: str | None, study: LoadedStudy) -> None:
    """Refuse a missing or unknown ``--group`` when the study lists groups (one line naming the study file).

    Raises
    ------
    LabelError
        The group is not a label, or the study has groups and ``group`` is none of them.
    """
    if group is not None:
        validate_group_label(group, "--group")
    groups = study.study.groups
    if not groups:
        return
    listed = ", ".join(groups)
    if group is None:
        raise LabelError(f"--group: study {study.name!r} ({study.path}) has groups ({listed}); give one with --group")
    if group not in groups:
        raise LabelError(
            f"--group: {group!r} is not one of the groups of study {study.name!r} ({study.path}): {listed}"
        )


def study_session(
    reference: str,
    participant: str,
    session: str,
    group: str | None,
    data: Path,
    ignore_delay: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Protocol, dict[str, Any]]:
    """Return the protocol of a study session and what to record about it, after checking the delay.

    Raises
    ------
    MotorseqError
        One line: a bad study, session number or group; no data of the previous session; a
        delay outside the tolerance (unless ``ignore_delay``).
    """
    study = load_study(reference)
    check_label(participant, "participant")
    number = _session_number(session, study)
    check_study_group(group, study)
    protocol = study.protocol(number, group)
    spec = study.session(number)
    record: dict[str, Any] = {"Name": study.name, "File": str(study.path), "Session": number, "Label": spec.label}
    if number == 1:
        return protocol, record
    now = now or dt.datetime.now(dt.UTC)
    before = study.protocol(number - 1, group).name
    previous = previous_session_end(data, participant, number - 1, study.name, before)
    if previous is None:
        if ignore_delay:
            record.update(Delay=spec.delay, Tolerance=format_delay(spec.tolerance_s), PreviousEnd=None)
            record["DelayKept"] = False
            return protocol, record
        raise TaskError(
            f"--session {number}: no run with trials of session {number - 1} of study {study.name!r} for participant "
            f"{participant} in {data} (needed to check the delay); run session {number - 1} first, "
            "or give --ignore-delay"
        )
    ended, sidecar = previous
    record.update(PreviousRun=sidecar.name, PreviousRunStatus=read_sidecar(sidecar).get("RunStatus"))
    elapsed = (now - ended).total_seconds()
    delay, tolerance = spec.delay_s, spec.tolerance_s
    record.update(
        Delay=spec.delay, Tolerance=format_delay(tolerance), PreviousEnd=ended.isoformat(), ElapsedSeconds=elapsed
    )
    inside = abs(elapsed - delay) <= tolerance
    record["DelayKept"] = inside
    if not inside and not ignore_delay:
        opens = ended + dt.timedelta(seconds=delay - tolerance)
        closes = ended + dt.timedelta(seconds=delay + tolerance)
        when = "too early" if elapsed < delay else "too late"
        raise TaskError(
            f"--session {number}: {when}: {format_delay(max(elapsed, 0.0))} since session {number - 1} ended "
            f"({sidecar.name}); study {study.name!r} asks {spec.delay} ± {format_delay(tolerance)}, i.e. from "
            f"{opens.isoformat(timespec='minutes')} to {closes.isoformat(timespec='minutes')}; "
            "give --ignore-delay to run it anyway (recorded in the sidecar)"
        )
    return protocol, record
