"""Session K of a study: the delay since session K-1 is checked from the saved data (no display needed)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from motorseq.protocols import MotorseqError
from motorseq.tasks.study_run import study_session

ENDED = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)


def _previous(data, participant="3", session=1, end=ENDED, rows=1, study="ftt-overnight", protocol="ftt", **fields):
    """A run of the study's session in ``ses-<session>`` with ``rows`` trials, ended at ``end``."""
    folder = data / f"sub-{participant}" / f"ses-{session}" / "beh"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"sub-{participant}_ses-{session}_task-{protocol.replace('-', '')}_run-1_beh"
    extra = {"Study": {"Name": study, "Session": session}} if study else {}
    sidecar = {
        "ProtocolName": protocol,
        "RunStatus": "complete",
        "StartTime": (end - dt.timedelta(minutes=20)).isoformat(),
        "EndTime": end.isoformat(),
        "Extra": extra,
        **fields,
    }
    (folder / f"{stem}.json").write_text(json.dumps(sidecar))
    (folder / f"{stem}.tsv").write_text("trial_index\n" + "".join(f"{i}\n" for i in range(1, rows + 1)))


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
        protocol, record = study_session("ftt-overnight", "3", "2", "wake", tmp_path, now=now)
        assert protocol.name == "ftt"
        assert record["ElapsedSeconds"] == hours * 3600 and record["DelayKept"] is True
        return
    with pytest.raises(MotorseqError) as error:
        study_session("ftt-overnight", "3", "2", "wake", tmp_path, now=now)
    text = str(error.value)
    assert text.startswith(message) and "12h ± 2h" in text and "2026-12-02T06:00" in text and "\n" not in text
    protocol, record = study_session("ftt-overnight", "3", "2", "wake", tmp_path, ignore_delay=True, now=now)
    assert record["DelayKept"] is False


def test_missing_previous_session_bad_number_and_group(tmp_path):
    with pytest.raises(
        MotorseqError, match="--session 2: no run with trials of session 1 of study 'ftt-overnight' for"
    ):
        study_session("ftt-overnight", "3", "2", "wake", tmp_path)
    with pytest.raises(MotorseqError, match="--session 4: the sessions of study 'ftt-overnight' are numbered 1 to 2"):
        study_session("ftt-overnight", "3", "4", "wake", tmp_path)
    with pytest.raises(
        MotorseqError,
        match=r"--group: study 'paced-practice' \(.*\) has groups \(slow-then-ramp, fast-only, self-paced\)",
    ):
        study_session("paced-practice", "3", "1", None, tmp_path)
    protocol, record = study_session("paced-practice", "3", "1", "slow-then-ramp", tmp_path)
    assert protocol.blocks[0].pace.target_ioi_ms == 450 and record["Session"] == 1


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (
            "Wake",
            r"--group: 'Wake' is not one of the groups of study 'ftt-overnight' \(.*overnight\.yaml\): wake, sleep$",
        ),
        (None, r"--group: study 'ftt-overnight' \(.*ftt-overnight\.yaml\) has groups \(wake, sleep\); give one"),
    ],
)
def test_a_study_with_groups_needs_one_of_them_even_when_its_sessions_share_a_protocol(tmp_path, group, message):
    for session in ("1", "2"):
        with pytest.raises(MotorseqError, match=message):
            study_session("ftt-overnight", "3", session, group, tmp_path, ignore_delay=True)
    protocol, record = study_session("ftt-overnight", "3", "1", "sleep", tmp_path)
    assert protocol.name == "ftt" and record["Session"] == 1


@pytest.mark.parametrize(
    "previous",
    [
        {"study": None, "protocol": "srt-classic"},  # another protocol's run in ses-1
        {"study": "paced-practice"},  # a run of another study
        {"study": "ftt-overnight", "session": 1, "rows": 0, "RunStatus": "aborted"},  # aborted before any trial
    ],
)
def test_only_a_run_with_trials_of_the_studys_previous_session_counts(tmp_path, previous):
    _previous(tmp_path, **previous)
    with pytest.raises(MotorseqError, match="no run with trials of session 1 of study 'ftt-overnight'"):
        study_session("ftt-overnight", "3", "2", "wake", tmp_path, now=ENDED + dt.timedelta(hours=12))


def test_an_aborted_session_with_trials_counts_and_is_recorded(tmp_path):
    _previous(tmp_path, rows=3, RunStatus="aborted")
    _, record = study_session("ftt-overnight", "3", "2", "wake", tmp_path, now=ENDED + dt.timedelta(hours=12))
    assert record["DelayKept"] is True and record["PreviousRunStatus"] == "aborted"
    assert record["PreviousRun"] == "sub-3_ses-1_task-ftt_run-1_beh.json"


def test_a_run_of_the_sessions_protocol_without_the_study_counts(tmp_path):
    _previous(tmp_path, study=None)
    _, record = study_session("ftt-overnight", "3", "2", "wake", tmp_path, now=ENDED + dt.timedelta(hours=11))
    assert record["ElapsedSeconds"] == 11 * 3600


@pytest.mark.parametrize(
    ("end", "message"),
    [
        ("2026-12-01T20:00:00", r"_beh\.json: EndTime: '2026-12-01T20:00:00' has no time zone"),
        ("yesterday", r"_beh\.json: EndTime: 'yesterday' is not an ISO 8601 time"),
        (7, r"_beh\.json: EndTime: 7 is not an ISO 8601 time"),
    ],
)
def test_a_bad_end_time_of_the_previous_session_is_one_line_naming_the_file(tmp_path, end, message):
    _previous(tmp_path, EndTime=end)
    with pytest.raises(MotorseqError, match=message) as error:
        study_session("ftt-overnight", "3", "2", "wake", tmp_path, now=ENDED + dt.timedelta(hours=12))
    assert "\n" not in str(error.value)


def test_ignore_delay_runs_a_session_whose_previous_one_has_no_data(tmp_path):
    _, record = study_session("ftt-overnight", "3", "2", "wake", tmp_path, ignore_delay=True)
    assert record["DelayKept"] is False and record["PreviousEnd"] is None
