"""Session K of a study: the delay since session K-1 is checked from the saved data (no display needed)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from motorseq.protocols import MotorseqError
from motorseq.tasks.study_run import study_session

ENDED = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)


def _previous(data, participant="3", session=1, end=ENDED):
    folder = data / f"sub-{participant}" / f"ses-{session}" / "beh"
    folder.mkdir(parents=True)
    sidecar = {"StartTime": (end - dt.timedelta(minutes=20)).isoformat(), "EndTime": end.isoformat()}
    (folder / f"sub-{participant}_ses-{session}_task-ftt_run-1_beh.json").write_text(json.dumps(sidecar))


@pytest.mark.parametrize(
    ("hours", "ok", "message"),
    [
        (12.0, True, None),
        (10.5, True, None),
        (9.0, False, "--session 2: too early: 9h since session 1 ended"),
        (15.0, False, "--session 2: too late: 15h since session 1 ended"),
    ],
)
def test_the_delay_window_of_ftt_overnight(tmp_path, hours, ok, message):
    _previous(tmp_path)
    now = ENDED + dt.timedelta(hours=hours)
    if ok:
        protocol, record = study_session("ftt-overnight", "3", "2", None, tmp_path, now=now)
        assert protocol.name == "ftt"
        assert record["ElapsedSeconds"] == hours * 3600 and record["DelayKept"] is True
        return
    with pytest.raises(MotorseqError) as error:
        study_session("ftt-overnight", "3", "2", None, tmp_path, now=now)
    text = str(error.value)
    assert text.startswith(message) and "12h ± 2h" in text and "2026-12-02T06:00" in text and "\n" not in text
    protocol, record = study_session("ftt-overnight", "3", "2", None, tmp_path, ignore_delay=True, now=now)
    assert record["DelayKept"] is False


def test_missing_previous_session_bad_number_and_group(tmp_path):
    with pytest.raises(MotorseqError, match="--session 2: no data of session 1 for participant 3"):
        study_session("ftt-overnight", "3", "2", None, tmp_path)
    with pytest.raises(MotorseqError, match="--session 4: the sessions of study 'ftt-overnight' are numbered 1 to 2"):
        study_session("ftt-overnight", "3", "4", None, tmp_path)
    with pytest.raises(MotorseqError, match="--group: study 'paced-practice' needs one of its groups"):
        study_session("paced-practice", "3", "1", None, tmp_path)
    protocol, record = study_session("paced-practice", "3", "1", "slow-then-ramp", tmp_path)
    assert protocol.blocks[0].pace.target_ioi_ms == 450 and record["Session"] == 1
