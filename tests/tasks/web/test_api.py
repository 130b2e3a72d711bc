"""The web app's HTTP API in-process: validation, duplicates, isolation, export to BIDS."""

from __future__ import annotations

import json
import random
import subprocess

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from motorseq.tasks.web.app import create_app
from motorseq.tasks.web.classroom import create_class
from motorseq.tasks.web.db import TrialRecord, connect
from motorseq.tasks.web.export import export_runs
from motorseq.tasks.web.service import ProtocolCatalog
from sqlalchemy import select
from starlette.testclient import TestClient


@pytest.fixture
def app(database_url):
    db = connect(database_url)
    catalog = ProtocolCatalog(["classroom", "asrt"], max_trials_per_block=6)
    yield db, catalog, TestClient(create_app(db, catalog), raise_server_exceptions=False)
    db.engine.dispose()


def _start(client, participant="07", protocol="classroom"):
    response = client.post("/api/runs", json={"protocol": protocol, "participant": participant})
    assert response.status_code == 201, response.text
    data = response.json()
    return {"X-Run-Token": data["token"]}, data["config"]["trials"]


def _body(trial, rt=420.0, key=None, onset=None):
    onset = 1000.0 * trial["trial_index"] if onset is None else onset
    key = trial["correct_key"] if key is None else key
    return {
        "trial_index": trial["trial_index"],
        "onset_ms": onset,
        "end_ms": onset + rt,
        "presses": [{"key": key, "down_ms": onset + rt, "up_ms": onset + rt + 80}],
    }


def test_a_trial_is_stored_once_and_a_duplicate_is_refused(app):
    db, _, client = app
    headers, trials = _start(client)
    first = client.post("/api/runs/me/trials", json=_body(trials[0]), headers=headers)
    again = client.post("/api/runs/me/trials", json=_body(trials[0], rt=999), headers=headers)
    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["duplicate"] is True
    with db.sessions() as session:
        rows = list(session.scalars(select(TrialRecord)))
    assert len(rows) == 1 and rows[0].rt_ms == pytest.approx(420.0)  # the first one is kept


def test_the_server_scores_as_the_lab_task(app):
    _, _, client = app
    headers, trials = _start(client)
    trial = trials[0]
    wrong = next(k for k in "dfjk" if k != trial["correct_key"])
    body = {
        "trial_index": 1,
        "onset_ms": 1000.0,
        "end_ms": 1350.0,
        "presses": [
            {"key": "d", "down_ms": 990.0, "up_ms": 995.0},  # anticipation: before the target
            {"key": wrong, "down_ms": 1350.0, "up_ms": None},  # first press, wrong: ends the trial (first-press)
            {"key": trial["correct_key"], "down_ms": 1500.0, "up_ms": 1560.0},  # after the response
        ],
    }
    assert client.post("/api/runs/me/trials", json=body, headers=headers).status_code == 201
    db = app[0]
    with db.sessions() as session:
        record = session.scalar(select(TrialRecord))
    assert record.row["response"] == wrong and record.row["correct"] == 0
    assert record.row["rt"] == pytest.approx(0.35) and record.row["n_presses"] == 1 and record.row["n_errors"] == 1
    assert [round(e["rt"], 3) for e in record.presses] == [-0.01, 0.35, 0.5]
    assert [e["correct"] for e in record.presses] == [0, 0, 0]


def test_a_page_reads_and_writes_only_its_own_run(app):
    _, _, client = app
    mine, trials = _start(client, "07")
    theirs, _ = _start(client, "08")
    assert client.get("/api/runs/me", headers={"X-Run-Token": "x" * 20}).status_code == 401
    assert client.get("/api/runs/me").status_code == 401
    client.post("/api/runs/me/trials", json=_body(trials[0]), headers=mine)
    assert client.get("/api/runs/me", headers=theirs).json()["stored"] == []
    assert client.get("/api/runs/me", headers=mine).json()["stored"] == [1]
    # the same participant cannot be started again by another page
    assert client.post("/api/runs", json={"protocol": "classroom", "participant": "07"}).status_code == 409


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("/api/runs", {"protocol": "../../etc/passwd", "participant": "07"}, 422),
        ("/api/runs", {"protocol": "nosuch", "participant": "07"}, 404),
        ("/api/runs", {"protocol": "classroom", "participant": "../07"}, 422),
        ("/api/runs", {"protocol": "classroom", "participant": "07", "extra": 1}, 422),
        ("/api/runs", {"protocol": "classroom", "participant": "07", "seed": -1}, 422),
        ("/api/class/../../x/join", {}, 404),
        ("/api/class/ZZZZZZ/join", {}, 404),
    ],
)
def test_bad_requests_are_4xx(app, path, body, status):
    _, _, client = app
    assert client.post(path, json=body).status_code == status


def test_an_oversized_body_is_refused_before_it_is_read(app):
    _, _, client = app
    headers, _ = _start(client)
    response = client.post("/api/runs/me/trials", content=b"[" * 200_000, headers=headers)
    assert response.status_code == 413


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
trial_like = st.fixed_dictionaries(
    {},
    optional={
        "trial_index": json_values | st.integers(-5, 200),
        "onset_ms": json_values | st.floats(),
        "end_ms": json_values,
        "segment": json_values,
        "presses": st.lists(
            st.fixed_dictionaries({}, optional={"key": json_values, "down_ms": json_values, "up_ms": json_values}),
            max_size=3,
        )
        | json_values,
    },
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=trial_like | json_values)
def test_malformed_trial_bodies_are_4xx_never_500(app, body):
    _, _, client = app
    headers = getattr(app[1], "_headers", None)
    if headers is None:
        headers, _ = _start(client, str(random.randint(1, 10**9)))
        app[1]._headers = headers
    response = client.post("/api/runs/me/trials", content=json.dumps(body), headers=headers)
    assert response.status_code < 500, (body, response.text)


def _class_of_students(db, client, n=4, seed=1):
    """n students with a sequence effect: sequence trials 80 ms faster than random ones."""
    from motorseq.protocols import load_protocol
    from motorseq.tasks import shorten_protocol

    found = create_class(db, shorten_protocol(load_protocol("classroom"), 6))
    rng = np.random.default_rng(seed)
    for _ in range(n):
        joined = client.post(f"/api/class/{found.code}/join", json={})
        assert joined.status_code == 201, joined.text
        headers = {"X-Run-Token": joined.json()["token"]}
        for trial in joined.json()["config"]["trials"]:
            rt = float(rng.normal(450, 30) - (80 if trial["trial_type"] == "sequence" else 0))
            ok = client.post("/api/runs/me/trials", json=_body(trial, rt), headers=headers)
            assert ok.status_code == 201
    return found


def test_export_is_the_lab_bids_dataset_and_analyze_reads_it(app, tmp_path, bids_validator):
    db, catalog, _ = app
    client = TestClient(create_app(db, catalog))
    found = _class_of_students(db, client)
    out = tmp_path / "bids"
    written = export_runs(db, out)
    assert len(written) == 4
    sidecar = json.loads(written[0].with_name(written[0].name.replace("_beh.tsv", "_beh.json")).read_text())
    assert sidecar["Source"]["Type"] == "browser" and sidecar["RunStatus"] == "complete"
    assert "requestAnimationFrame" in sidecar["Source"]["TimingMethod"]
    result = subprocess.run([bids_validator, str(out), "--json"], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert report["issues"]["errors"] == [], report["issues"]["errors"]

    from motorseq.analysis.cleaning import CleaningRules
    from motorseq.analysis.pipeline import analyze

    rules = CleaningRules(post_error=False, anticipation_ms=None, outlier_sd=None)
    analysis = analyze(out, rules=rules, statistics=False, figures=False, n_boot=10, n_boot_participant=0)
    blocks = analysis.tables["block_summary"]
    with db.sessions() as session:
        rows = session.execute(select(TrialRecord.run_id, TrialRecord.block, TrialRecord.rt_ms, TrialRecord.correct))
        table = pd.DataFrame(list(rows), columns=["run", "block", "rt_ms", "correct"])
    from_db = table[(table.correct == 1) & (table.block > 1)].groupby(["run", "block"])["rt_ms"].median()
    from_export = blocks.sort_values(["participant", "block"])["median_rt_ms"].to_numpy()
    np.testing.assert_allclose(from_export, from_db.to_numpy(), atol=1e-3)  # the TSV keeps µs
    effect = analysis.tables["srt_sequence_learning"]["sequence_effect_ms"]
    assert effect.between(40, 120).all()  # the 80 ms the students were given
    # and a second export to the same folder writes nothing over it
    from motorseq.protocols import RunExistsError

    with pytest.raises(RunExistsError):
        export_runs(db, out)
    assert found.code


def test_class_summary_pools_students(app):
    db, catalog, _ = app
    client = TestClient(create_app(db, catalog))
    found = _class_of_students(db, client, n=5, seed=2)
    denied = client.get(f"/api/class/{found.code}/summary?token=wrong")
    assert denied.status_code == 403
    summary = client.get(f"/api/class/{found.code}/summary?token={found.teacher_token}").json()
    assert summary["counts"] == {"joined": 5, "running": 0, "finished": 5}
    assert len(summary["effects"]) == 5
    assert 40 < summary["effect"]["mean_ms"] < 120 and summary["effect"]["low_ms"] > 0
    assert "learned the sequence" in summary["caption"]
    report = client.get(f"/api/class/{found.code}/report?token={found.teacher_token}")
    assert report.status_code == 200 and "<svg" in report.text
    archive = client.get(f"/api/class/{found.code}/export.zip?token={found.teacher_token}")
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    qr = client.get(f"/api/class/{found.code}/qr.svg?token={found.teacher_token}")
    assert qr.status_code == 200 and b"<svg" in qr.content[:200]


def test_the_model_curve_is_read_from_the_cache_never_simulated_by_the_server(app, tmp_path, monkeypatch):
    from motorseq.tasks.web.model_cache import _path
    from motorseq.tasks.web.service import protocol_of

    db, catalog, _ = app
    monkeypatch.setenv("MOTORSEQ_BUILD_ROOT", str(tmp_path / "build"))
    client = TestClient(create_app(db, catalog))
    found = _class_of_students(db, client, n=2)
    url = f"/api/class/{found.code}/summary?token={found.teacher_token}"
    assert client.get(url).json()["model"] is None
    cached = [{"block": 2, "kind": "sequence", "rt_ms": 351.5, "se_ms": 20.0, "n": 4}]
    path = _path(protocol_of(found))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"curve": cached, "participants": 4}))
    assert client.get(url).json()["model"] == cached


def _frame_counts(intervals, frame_ms=16.7):
    gaps = np.asarray(intervals, dtype=float)
    dropped = int(np.maximum(np.round(gaps / frame_ms) - 1, 0).sum())
    sums = {"sum_ms": float(gaps.sum()), "sum_sq_ms": float((gaps**2).sum())}
    return {"intervals": len(gaps), "dropped": dropped, **sums}


def test_export_sidecar_has_frame_statistics_per_block(app, tmp_path):
    db, _, client = app
    headers, trials = _start(client, participant="31")
    rng = np.random.default_rng(5)
    seen: dict[int, list[float]] = {}
    for trial in trials:
        gaps = list(rng.normal(16.7, 0.4, size=20))
        if trial["trial_index"] % 3 == 0:
            gaps[7] = 50.1  # two frames dropped in this trial
        seen.setdefault(trial["block"], []).extend(gaps)
        body = {**_body(trial), "frames": _frame_counts(gaps)}
        assert client.post("/api/runs/me/trials", json=body, headers=headers).status_code == 201
    written = export_runs(db, tmp_path / "bids")
    sidecar = json.loads(written[0].with_name(written[0].name.replace("_beh.tsv", "_beh.json")).read_text())
    per_block = sidecar["Extra"]["FrameStatisticsPerBlock"]
    assert [b["Block"] for b in per_block] == sorted(seen)
    for entry in per_block:
        gaps = np.array(seen[entry["Block"]])
        n_dropped = 2 * sum(1 for t in trials if t["block"] == entry["Block"] and t["trial_index"] % 3 == 0)
        assert entry["Trials"] == sum(1 for t in trials if t["block"] == entry["Block"])
        assert entry["Frames"] == gaps.size and entry["DroppedFrames"] == n_dropped
        assert entry["FrameIntervalMeanMs"] == pytest.approx(gaps.mean(), abs=1e-3)
        assert entry["FrameIntervalSDMs"] == pytest.approx(gaps.std(ddof=1), abs=1e-3)


def test_frame_counts_are_validated(app):
    _, _, client = app
    headers, trials = _start(client, participant="32")
    bad = {**_body(trials[0]), "frames": {"intervals": -1, "dropped": 0, "sum_ms": 0.0, "sum_sq_ms": 0.0}}
    response = client.post("/api/runs/me/trials", json=bad, headers=headers)
    assert response.status_code == 422 and "frames.intervals" in response.json()["error"]


def test_a_database_of_the_previous_version_gets_the_new_columns(tmp_path):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = connect(url)
    catalog = ProtocolCatalog(["classroom"], max_trials_per_block=2)
    found = create_class(db, next(iter(catalog)))
    client = TestClient(create_app(db, catalog))
    for _ in range(3):
        assert client.post(f"/api/class/{found.code}/join", json={}).status_code == 201
    with db.engine.begin() as connection:  # the tables as the previous version made them
        connection.execute(text("ALTER TABLE trials DROP COLUMN frames"))
        connection.execute(text("ALTER TABLE class_sessions DROP COLUMN joined"))
    db.engine.dispose()
    db = connect(url)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT joined FROM class_sessions")).scalar_one() == 3
    joined = TestClient(create_app(db, catalog)).post(f"/api/class/{found.code}/join", json={})
    assert joined.json()["participant"] == f"{found.code}004"  # numbering goes on after the 3 students
    db.engine.dispose()


def test_the_same_trial_sent_at_once_many_times_is_stored_once(app):
    """Concurrent copies of one trial land in one group-commit batch: one is stored, the rest are duplicates."""
    import asyncio

    import httpx

    db, catalog, client = app
    headers, trials = _start(client, participant="33")

    async def burst():
        transport = httpx.ASGITransport(app=create_app(db, catalog))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as async_client:
            sends = [
                async_client.post("/api/runs/me/trials", json=_body(trials[i % 2], rt=400 + k), headers=headers)
                for k, i in enumerate(range(40))
            ]
            return await asyncio.gather(*sends)

    responses = asyncio.run(burst())
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201] + [409] * 38, codes
    with db.sessions() as session:
        stored = session.execute(select(TrialRecord.trial_index, TrialRecord.rt_ms).order_by(TrialRecord.trial_index))
        stored = list(stored)
    assert [index for index, _ in stored] == [1, 2]
