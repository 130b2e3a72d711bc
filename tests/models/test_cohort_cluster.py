"""Cohorts through Dask with the real spiking model (local cluster, CLI, external scheduler).

The network is compiled once per build slot; slots live in a per-user folder that later
test sessions reuse (``$MOTORSEQ_TEST_BUILD_ROOT`` to put it elsewhere), so a warm run only
re-links. A tiny SRT protocol (24 trials) keeps each participant short.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from motorseq.models.cohort import CohortSpec, participant_seed, run_cohort
from motorseq.protocols import load_protocol

BUILD_ROOT = Path(
    os.environ.get("MOTORSEQ_TEST_BUILD_ROOT", Path(tempfile.gettempdir()) / f"motorseq-test-build-{os.getuid()}")
)
N_TRIALS = 24
SEED = 11
MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))


@pytest.fixture(scope="module")
def protocol(tmp_path_factory):
    data = load_protocol("srt-classic").model_dump(mode="json", by_alias=True, exclude_none=True)
    data["name"] = "srt-tiny"
    data["blocks"] = [{"kind": "sequence", "trials": 12}, {"kind": "random", "trials": 12}]
    path = tmp_path_factory.mktemp("protocol") / "srt-tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_protocol(path)


class AtomicityWatcher(threading.Thread):
    """Polls a dataset while it is written; records any participant seen half-written."""

    def __init__(self, root: Path, protocol) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.protocol = protocol
        self.stop = threading.Event()
        self.polls = 0
        self.seen_complete: set[str] = set()
        self.problems: list[str] = []

    def _check(self, label: str, tree: str) -> None:
        """A visible folder must be complete; the trial files only appear after the derivatives."""
        from motorseq.models.output import derivative_paths
        from motorseq.protocols.io import run_paths

        paths = run_paths(self.root, label, "1", self.protocol.name)
        derived = derivative_paths(self.root, self.protocol, label, "1")
        if tree == "beh":
            files = [paths.beh, paths.sidecar, paths.events, paths.events_sidecar, *derived.values()]
        else:
            files = list(derived.values())
        missing = [p.name for p in files if not p.exists()]
        if missing:
            self.problems.append(f"{tree} of sub-{label} visible without {missing}")
            return
        activity_lines = derived["activity"].read_text().count("\n")
        if activity_lines != N_TRIALS * 14 + 1:
            self.problems.append(f"sub-{label}: {activity_lines} activity lines")
        if tree == "beh":
            lines = paths.beh.read_text().count("\n")
            if lines != N_TRIALS + 1:
                self.problems.append(f"sub-{label}: {lines} trial lines")
            elif '"RunStatus": "complete"' not in paths.sidecar.read_text():
                self.problems.append(f"sub-{label}: sidecar not complete")
            else:
                self.seen_complete.add(label)

    def run(self) -> None:
        trees = {"beh": self.root, "derivatives": self.root / "derivatives" / "motorseq-model"}
        while not self.stop.is_set():
            self.polls += 1
            for tree, folder in trees.items():
                try:
                    labels = [e.name.removeprefix("sub-") for e in os.scandir(folder) if e.name.startswith("sub-")]
                except FileNotFoundError:
                    continue
                for label in labels:
                    self._check(label, tree)
            time.sleep(0.002)


def _files(root: Path, label: str) -> dict[str, bytes]:
    found = {}
    for base in (root / f"sub-{label}", root / "derivatives" / "motorseq-model" / f"sub-{label}"):
        for path in sorted(base.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def first_cohort(protocol, tmp_path_factory):
    """Three participants on a local cluster; participant 03 has a bad parameter.

    One worker, so a cold build compiles once (two workers would compile twice at once).
    """
    out = tmp_path_factory.mktemp("cohort") / "data"
    watcher = AtomicityWatcher(out, protocol)
    spec = CohortSpec(
        protocol=protocol,
        out=out,
        n_participants=3,
        seed=SEED,
        build_root=BUILD_ROOT,
        participant_overrides={"03": {"no_such_parameter": 1.0}},
    )
    watcher.start()
    try:
        outcomes = run_cohort(spec, workers=1, progress=False)
    finally:
        watcher.stop.set()
        watcher.join()
    return out, outcomes, watcher


def test_cohort_writes_the_bids_layout_read_by_read_run(first_cohort, protocol):
    from motorseq.models import REGIONS
    from motorseq.models.output import derivative_paths
    from motorseq.protocols.io import read_events, read_run, run_paths

    out, outcomes, _ = first_cohort
    assert [o.participant for o in outcomes] == ["01", "02", "03"]
    assert [o.status for o in outcomes[:2]] == ["done", "done"], [o.details for o in outcomes]
    for index, label in enumerate(["01", "02"]):
        paths = run_paths(out, label, "1", protocol.name)
        table = read_run(paths.beh)
        assert len(table) == N_TRIALS
        assert table["trial_index"].tolist() == list(range(1, N_TRIALS + 1))
        assert table["rt"].notna().sum() >= N_TRIALS // 2  # the model answers
        assert table.loc[table["rt"].notna(), "rt"].between(0.1, 2.0).all()
        sidecar = table.attrs["sidecar"]
        assert sidecar["Source"]["Type"] == "model"
        assert sidecar["Source"]["Parameters"]  # every parameter of the run
        assert sidecar["Seed"] == participant_seed(SEED, index)
        assert sidecar["RunStatus"] == "complete"
        assert sidecar["StartTime"] is None  # no wall clock: same seed, same bytes
        events = read_events(paths.events)
        assert len(events) == int(table["rt"].notna().sum())
        derived = derivative_paths(out, protocol, label, "1")
        activity = pd.read_csv(derived["activity"], sep="\t")
        assert list(activity.columns) == ["trial_index", "region", "mean_rate_hz", "synaptic_input"]
        assert activity["region"].iloc[:14].tolist() == list(REGIONS)
        assert len(activity) == N_TRIALS * len(REGIONS)
        assert (activity["mean_rate_hz"] >= 0).all() and activity["mean_rate_hz"].max() > 0
        bold = pd.read_csv(derived["bold"], sep="\t")
        assert list(bold.columns) == ["time_s", *REGIONS]
        assert bold["time_s"].iloc[-1] >= table["stimulus_onset"].iloc[-1]
        assert bold["M1"].max() > 0
    participants = pd.read_csv(out / "participants.tsv", sep="\t")
    assert participants["participant_id"].tolist() == ["sub-01", "sub-02"]
    assert set(participants["source"]) == {"model"}
    assert (out / "derivatives" / "motorseq-model" / "dataset_description.json").exists()


def test_a_failing_participant_reports_its_error_and_the_others_finish(first_cohort):
    out, outcomes, _ = first_cohort
    failed = outcomes[2]
    assert failed.status == "failed"
    assert "no_such_parameter" in failed.error and "\n" not in failed.error
    assert not (out / "sub-03").exists()
    assert not (out / "derivatives" / "motorseq-model" / "sub-03").exists()
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]  # no temporary folder left


def test_participants_appear_atomically(first_cohort):
    _, _, watcher = first_cohort
    assert watcher.polls > 100
    assert watcher.problems == []
    assert watcher.seen_complete == {"01", "02"}


def test_rerun_skips_finished_participants(first_cohort, protocol):
    out, _, _ = first_cohort
    before = {label: _files(out, label) for label in ("01", "02")}
    mtimes = {p: p.stat().st_mtime_ns for p in (out / "sub-01").rglob("*")}
    seen = []
    spec = CohortSpec(protocol=protocol, out=out, n_participants=2, seed=SEED, build_root=BUILD_ROOT)
    started = time.perf_counter()
    outcomes = run_cohort(spec, workers=1, progress=False, on_outcome=seen.append)
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    assert seen == []  # nothing was sent to a worker
    assert time.perf_counter() - started < 10  # no cluster was started for nothing
    assert {label: _files(out, label) for label in ("01", "02")} == before
    assert {p: p.stat().st_mtime_ns for p in (out / "sub-01").rglob("*")} == mtimes


def test_same_seed_gives_byte_identical_files_through_the_cli(first_cohort, protocol, tmp_path):
    out, _, _ = first_cohort
    other = tmp_path / "again"
    cli = subprocess.run(
        [
            MOTORSEQ,
            "simulate",
            str(protocol_path(protocol, tmp_path)),
            "--participants",
            "2",
            "--seed",
            str(SEED),
            "--out",
            str(other),
            "--workers",
            "1",
            "--build-dir",
            str(BUILD_ROOT),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert cli.returncode == 0, cli.stderr
    assert "2 simulated, 0 already done (skipped), 0 failed" in cli.stderr
    for label in ("01", "02"):
        again = _files(other, label)
        assert len(again) == 8  # beh.tsv/.json, events.tsv/.json, 2 derivative tables + sidecars
        assert again == _files(out, label)


def protocol_path(protocol, folder: Path) -> Path:
    path = folder / "srt-tiny.yaml"
    path.write_text(
        yaml.safe_dump(protocol.model_dump(mode="json", by_alias=True, exclude_none=True), sort_keys=False),
        encoding="utf-8",
    )
    return path


def test_cli_bad_options_give_one_line_errors_and_exit_2(tmp_path):
    def simulate(*args):
        return subprocess.run([MOTORSEQ, "simulate", *args], capture_output=True, text=True, timeout=120)

    result = simulate("srt-classic", "--out", str(tmp_path / "d"), "--lesion", "spleen=0.5")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "spleen" in result.stderr
    result = simulate("srt-classic", "--out", str(tmp_path / "d"), "--param", "eta")
    assert result.returncode == 2 and "--param: expected name=value" in result.stderr
    result = simulate("no-such-protocol", "--out", str(tmp_path / "d"))
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    result = simulate("srt-classic", "--out", str(tmp_path / "d"), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert result.returncode == 2
    assert not (tmp_path / "d" / "sub-01").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def external_cluster(tmp_path_factory):
    """A ``dask scheduler`` and a ``dask worker`` started as separate processes on 127.0.0.1."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    logs = tmp_path_factory.mktemp("dask-logs")
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                stdout=open(logs / "scheduler.log", "w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--name",
                    "external",
                    "--death-timeout",
                    "60",
                ],
                stdout=open(logs / "worker.log", "w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(1, timeout=30)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail("dask scheduler/worker did not start: " + (logs / "worker.log").read_text()[-2000:])
                time.sleep(0.5)
        yield address
    finally:
        for process in reversed(processes):
            os.killpg(process.pid, 15)
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)


def test_cohort_on_a_separately_started_dask_scheduler_and_worker(external_cluster, protocol, tmp_path):
    from motorseq.protocols.io import read_dataset

    out = tmp_path / "data"
    spec = CohortSpec(protocol=protocol, out=out, n_participants=2, seed=5, build_root=BUILD_ROOT)
    outcomes = run_cohort(spec, scheduler=external_cluster, progress=False)
    assert [o.status for o in outcomes] == ["done", "done"], [o.details for o in outcomes]
    assert {o.worker for o in outcomes} == {"external"}
    data = read_dataset(out)
    assert sorted(data["participant"].unique()) == ["01", "02"]
    assert len(data) == 2 * N_TRIALS and set(data["source"]) == {"model"}


def test_a_write_that_fails_half_way_leaves_nothing_visible(external_cluster, protocol, tmp_path, monkeypatch):
    from distributed import Client
    from motorseq.models import output
    from motorseq.models.cohort import build_jobs, simulate_job
    from motorseq.protocols.io import read_run

    root = tmp_path / "data"
    job = build_jobs(CohortSpec(protocol=protocol, out=root, n_participants=1, seed=3, build_root=BUILD_ROOT))[0]
    with Client(external_cluster, timeout="10s") as client:  # a real run, on the external worker
        trials, result = client.submit(simulate_job, job, pure=False).result(timeout=300)
    seed = job.seed
    real_write_tsv = output._write_tsv

    def failing_write_tsv(path, table):
        if "bold" in path.name:  # the trial files and the activity table are written by now
            raise OSError(28, "No space left on device")
        real_write_tsv(path, table)

    monkeypatch.setattr(output, "_write_tsv", failing_write_tsv)
    with pytest.raises(OSError, match="No space left"):
        output.write_participant(root, protocol, trials, result, participant="01", seed=seed)
    assert not (root / "sub-01").exists()
    assert not (root / "derivatives" / "motorseq-model" / "sub-01").exists()
    assert not [p for p in root.iterdir() if ".tmp-" in p.name]
    assert not output.participant_done(root, "01", "1", protocol)

    monkeypatch.setattr(output, "_write_tsv", real_write_tsv)
    paths = output.write_participant(root, protocol, trials, result, participant="01", seed=seed)
    assert len(read_run(paths["beh"])) == N_TRIALS
    assert output.participant_done(root, "01", "1", protocol)
    with pytest.raises(FileExistsError, match="never overwritten"):
        output.write_participant(root, protocol, trials, result, participant="01", seed=seed)


@pytest.mark.slow
def test_two_local_workers_share_the_cohort_and_agree_with_one(first_cohort, protocol, tmp_path):
    """Two worker processes (two build slots) in parallel give the same files as one worker."""
    out, _, _ = first_cohort
    spec = CohortSpec(protocol=protocol, out=tmp_path / "data", n_participants=4, seed=SEED, build_root=BUILD_ROOT)
    outcomes = run_cohort(spec, workers=2, progress=False)
    assert [o.status for o in outcomes] == ["done"] * 4, [o.details for o in outcomes]
    assert len({o.worker for o in outcomes}) == 2
    for label in ("01", "02"):
        assert _files(tmp_path / "data", label) == _files(out, label)
    participants = pd.read_csv(tmp_path / "data" / "participants.tsv", sep="\t")
    assert participants["participant_id"].tolist() == ["sub-01", "sub-02", "sub-03", "sub-04"]
