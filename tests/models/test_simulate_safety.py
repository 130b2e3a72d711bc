"""`motorseq simulate` never returns wrong data silently: re-runs, replacements, kills, bad settings.

Every Brian2 run here is tiny (srt-classic cut to 2 blocks of 6 trials, one participant) and
uses the per-user test build folder of ``test_cohort_cluster.py``, so the network compiles once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from motorseq.models.cohort import BUILD_ROOT_ENV, CohortSpec, build_slot, run_cohort
from motorseq.protocols import generate_trials, load_protocol
from motorseq.tasks.shorten import shorten_protocol

BUILD_ROOT = Path(
    os.environ.get("MOTORSEQ_TEST_BUILD_ROOT", Path(tempfile.gettempdir()) / f"motorseq-test-build-{os.getuid()}")
)
MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
LIMITS = ["--max-blocks", "2", "--max-trials-per-block", "6"]
BASE = ["--participants", "1", "--seed", "5", "--workers", "1", "--build-dir", str(BUILD_ROOT), "--quiet"]
SIDECAR = "sub-01/ses-1/beh/sub-01_ses-1_task-srtclassic_run-1_beh.json"


def simulate(out: Path, *extra: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``motorseq simulate srt-classic`` (shortened) into ``out``."""
    return subprocess.run(
        [MOTORSEQ, "simulate", "srt-classic", "--out", str(out), *LIMITS, *BASE, *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tiny_protocol():
    return shorten_protocol(load_protocol("srt-classic"), max_trials_per_block=6, max_blocks=2)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One participant simulated through the CLI with the default settings (variability on)."""
    out = tmp_path_factory.mktemp("made") / "data"
    result = simulate(out)
    assert result.returncode == 0, result.stderr
    return out, snapshot(out)


def copy_of(made, tmp_path: Path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(made[0], out)
    return out


def test_shortened_run_with_individual_parameters_by_default(made):
    out, files = made
    beh = files["sub-01/ses-1/beh/sub-01_ses-1_task-srtclassic_run-1_beh.tsv"].decode()
    assert beh.count("\n") == 1 + 12  # 2 blocks of 6 trials
    sidecar = json.loads(files[SIDECAR])
    assert [b["trials"] for b in sidecar["Protocol"]["blocks"]] == [6, 6]
    assert "SHORTENED" in sidecar["Protocol"]["description"]
    simulation = sidecar["Extra"]["Simulation"]
    assert simulation["Variability"] is True and simulation["Lesions"] == {} and simulation["CohortSeed"] == 5
    assert len(simulation["Code"]["ModelCodeSHA256"]) == 64
    from motorseq.models import ModelParameters

    parameters = sidecar["Source"]["Parameters"]
    assert parameters["eta_striatum"] != ModelParameters().eta_striatum  # drawn for this participant
    assert "--no-variability" in subprocess.run([MOTORSEQ, "simulate", "--help"], capture_output=True, text=True).stdout


def test_same_request_again_skips_the_participant(made, tmp_path):
    out = copy_of(made, tmp_path)
    result = simulate(out)
    assert result.returncode == 0, result.stderr
    assert "0 simulated, 1 already done (skipped), 0 failed" in result.stderr
    assert snapshot(out) == made[1]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--seed", "6"], "seed: recorded"),
        (["--no-variability"], "--variability: recorded true, this run false"),
        (["--lesion", "dopamine=0.2"], '--lesion: recorded {}, this run {"dopamine": 0.2}'),
        (["--param", "eta_striatum=0.0001"], "--param: recorded {}"),
        (["--max-trials-per-block", "5"], "protocol: recorded"),
        (["--group", "patients"], "--group: recorded null, this run patients"),
    ],
)
def test_a_finished_participant_made_otherwise_is_refused_and_nothing_is_written(made, tmp_path, extra, field):
    out = copy_of(made, tmp_path)
    args = [*LIMITS, *BASE]
    for option, value in zip(extra[::2], extra[1::2], strict=False):
        if option in args:  # another value of an option the first run gave
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    if len(extra) % 2:
        args.append(extra[-1])
    started = time.perf_counter()
    result = subprocess.run(
        [MOTORSEQ, "simulate", "srt-classic", "--out", str(out), *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "sub-01" in lines[0] and field in lines[0] and "--force" in lines[0], lines[0]
    assert time.perf_counter() - started < 60  # refused before any cluster starts
    assert snapshot(out) == made[1]  # not a byte changed, nothing added


def test_force_replaces_the_participant_with_the_new_request(made, tmp_path):
    out = copy_of(made, tmp_path)
    result = simulate(out, "--lesion", "dopamine=0.2", "--force")
    assert result.returncode == 0, result.stderr
    assert "1 simulated" in result.stderr
    sidecar = json.loads((out / SIDECAR).read_text())
    assert sidecar["Source"]["Parameters"]["lesion_dopamine"] == 0.2
    assert sidecar["Extra"]["Simulation"]["Lesions"] == {"dopamine": 0.2}
    now = snapshot(out)
    assert set(now) == set(made[1])  # the same files, replaced
    for name in (SIDECAR, "derivatives/motorseq-model/sub-01/ses-1/"
                 "sub-01_ses-1_task-srtclassic_run-1_desc-regions_activity.tsv"):  # fmt: skip
        assert now[name] != made[1][name], name
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    again = simulate(out, "--lesion", "dopamine=0.2")
    assert again.returncode == 0 and "1 already done" in again.stderr, again.stderr


def _dead_pid() -> int:
    probe = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(probe.stdout)


def test_a_participant_killed_between_the_two_renames_is_recovered(made, tmp_path):
    """Derivatives in place, trial files not (killed between the renames): the re-run completes it."""
    from motorseq.models.output import _host

    out = copy_of(made, tmp_path)
    shutil.rmtree(out / "sub-01")
    planted = []

    def plant_leftover(outcome):  # a worker killed during this run leaves its temporary folder
        leftover = out / f".sub-02_ses-1_run-1.tmp-{_host()}-{_dead_pid()}-0123abcd" / "sub-02"
        leftover.mkdir(parents=True)
        (leftover / "x_beh.tsv").write_text("onset\n")
        planted.append(leftover.parent)

    spec = CohortSpec(protocol=tiny_protocol(), out=out, n_participants=1, seed=5, build_root=BUILD_ROOT)
    outcomes = run_cohort(spec, workers=1, progress=False, on_outcome=plant_leftover)
    assert [o.status for o in outcomes] == ["done"], [o.details for o in outcomes]
    assert snapshot(out) == made[1]  # byte-identical to the uninterrupted run
    assert planted and not planted[0].exists()  # simulate cleaned up its own killed worker's folder


def test_files_of_an_uncommitted_run_are_discarded_and_a_committed_run_is_kept(made, tmp_path):
    from motorseq.models.output import discard_uncommitted

    out = copy_of(made, tmp_path)
    protocol = tiny_protocol()
    assert discard_uncommitted(out, protocol, "01") == []  # committed: nothing touched
    assert snapshot(out) == made[1]
    beh = out / SIDECAR.replace("_beh.json", "_beh.tsv")
    beh.unlink()  # the commit mark is gone: the rest are leftovers
    removed = discard_uncommitted(out, protocol, "01")
    assert len(removed) == 7
    assert not [p for p in (out / "sub-01").rglob("*") if p.is_file()]
    assert not [p for p in (out / "derivatives" / "motorseq-model" / "sub-01").rglob("*") if p.is_file()]


def test_non_finite_dynamics_stop_the_run(made):
    """A parameter set the ranges would refuse (tau_ampa_ms = 0, built unchecked) makes NaN dynamics."""
    from motorseq.models import ModelError, ModelParameters, simulate_participant

    protocol = tiny_protocol()
    trials = generate_trials(protocol, "01", seed=1)
    values = {**ModelParameters().model_dump(), "tau_ampa_ms": 0.0, "rest_s": 0.0}
    broken = ModelParameters.model_construct(**values)
    with build_slot(BUILD_ROOT) as slot, pytest.raises(ModelError, match="dynamics went non-finite") as exc:
        simulate_participant(protocol, trials, broken, seed=1, workdir=slot)
    assert "\n" not in str(exc.value)


def test_an_unreachable_scheduler_is_refused_at_once_and_nothing_is_written(tmp_path):
    out = tmp_path / "data"
    started = time.perf_counter()
    result = subprocess.run(
        [MOTORSEQ, "simulate", "srt-classic", "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert time.perf_counter() - started < 15
    assert result.stderr.strip().count("\n") == 0 and "refused" in result.stderr, result.stderr
    assert not out.exists()


def test_a_group_label_with_tabs_or_newlines_is_refused(tmp_path):
    out = tmp_path / "data"
    for group in ("a\tb", "a\nsub-99", ""):
        result = subprocess.run(
            [MOTORSEQ, "simulate", "srt-classic", "--out", str(out), "--group", group, "--scheduler",
             "tcp://127.0.0.1:1"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0 and "--group" in result.stderr, result.stderr
        assert not out.exists()


def _binaries_under(root: Path) -> dict[int, int]:
    """Pid -> parent pid of every running process whose executable lies under ``root``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            exe = os.readlink(entry / "exe")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if exe.startswith(str(root)):
            found[int(entry.name)] = ppid
    return found


def _ancestors(pid: int) -> set[int]:
    out = set()
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
        out.add(pid)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_killing_simulate_kills_the_running_brian2_binary(made, tmp_path):
    env = {**os.environ, BUILD_ROOT_ENV: str(BUILD_ROOT)}
    parent = subprocess.Popen(
        [MOTORSEQ, "simulate", "srt-classic", "--out", str(tmp_path / "data"), *LIMITS, *BASE,
         "--param", "rest_s=600"],  # 20 simulated minutes of rest: the binary runs for a while
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        binary = None
        deadline = time.monotonic() + 600
        while binary is None and time.monotonic() < deadline and parent.poll() is None:
            for pid in _binaries_under(BUILD_ROOT.resolve()):
                if parent.pid in _ancestors(pid):
                    binary = pid
            time.sleep(0.05)
        assert binary is not None, "the simulation binary never started"
        time.sleep(1.0)
        assert Path(f"/proc/{binary}").exists()  # still simulating
        os.kill(parent.pid, signal.SIGKILL)
        killed = time.monotonic()
        while Path(f"/proc/{binary}").exists() and _is_alive(binary) and time.monotonic() - killed < 30:
            time.sleep(0.05)
        survived = time.monotonic() - killed
        assert survived < 3.0, f"the binary ran on for {survived:.1f} s after simulate was killed"
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        parent.wait(timeout=30)


def _is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_trial_files_without_their_derivatives_are_refused_not_half_used(made, tmp_path):
    """The other half missing (derivatives deleted): refused with a hint, the trial files kept."""
    out = copy_of(made, tmp_path)
    shutil.rmtree(out / "derivatives" / "motorseq-model" / "sub-01")
    before = snapshot(out)
    result = simulate(out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "without their model derivatives" in lines[0] and "--force" in lines[0], lines
    assert snapshot(out) == before
