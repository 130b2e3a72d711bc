"""Run session K of a study: pick its protocol and check the delay since session K − 1.

The end of session K − 1 is read from the saved data (the ``EndTime`` of the participant's
latest run in ``sub-<p>/ses-<K-1>/``, or its ``StartTime`` when it has no end); the time since
then must be within the study's delay ± tolerance. Outside it, the run is refused with one line
that says how long it has been and when the window opens or closes; ``--ignore-delay`` runs it
anyway and the sidecar records the delay that was kept (``Extra.Study``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from motorseq.protocols import Protocol, check_label
from motorseq.protocols.study import LoadedStudy, format_delay, is_study_file, list_studies, load_study

from .errors import TaskError

__all__ = ["is_study", "study_session", "previous_session_end"]


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


def previous_session_end(data: Path, participant: str, session: int) -> tuple[dt.datetime, Path] | None:
    """When the participant's latest run of ``session`` ended (from its sidecar), and which file said so."""
    folder = Path(data) / f"sub-{participant}" / f"ses-{session}" / "beh"
    found = []
    for sidecar in sorted(folder.glob("*_beh.json")):
        try:
            info = json.loads(sidecar.read_text(encoding="utf-8"))
            stamp = info.get("EndTime") or info.get("StartTime")
            if stamp:
                found.append((dt.datetime.fromisoformat(stamp), sidecar))
        except (OSError, ValueError, AttributeError):
            continue
    return max(found) if found else None


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
    protocol = study.protocol(number, group)
    spec = study.session(number)
    record: dict[str, Any] = {"Name": study.name, "File": str(study.path), "Session": number, "Label": spec.label}
    if number == 1:
        return protocol, record
    now = now or dt.datetime.now(dt.UTC)
    previous = previous_session_end(data, participant, number - 1)
    if previous is None:
        raise TaskError(
            f"--session {number}: no data of session {number - 1} for participant {participant} in {data} "
            f"(study {study.name!r} needs it to check the delay); run session {number - 1} first, "
            "or give --ignore-delay"
        )
    ended, sidecar = previous
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
