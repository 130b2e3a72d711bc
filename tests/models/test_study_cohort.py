"""Study cohorts on Dask: one task per participant running its sessions in order (issue 17).

A heavily shortened study (retention-relearning: one block of 6 trials per session, two
sessions) keeps each participant to a few seconds of simulation. The network is compiled once
into a per-user build folder that later test sessions reuse, as in ``test_cohort_cluster.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from motorseq.models.study import run_study_cohort

BUILD_ROOT = Path(
    os.environ.get("MOTORSEQ_TEST_BUILD_ROOT", Path(tempfile.gettempdir()) / f"motorseq-test-build-{os.getuid()}")
)
MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
STUDY = "retention-relearning"
SHORT = {"max_blocks": 1, "max_trials_per_block": 6}
SEED = 5


def _files(root: Path, label: str) -> dict[str, bytes]:
    found = {}
    for base in (root / f"sub-{label}", root / "derivatives" / "motorseq-model" / f"sub-{label}"):
        for path in sorted(base.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


def test_a_failing_participant_is_named_and_the_finished_sessions_stay(tmp_path):
    """Participant 02 cannot write session 2: the CLI names it, exits 1, and keeps everything else."""
    from motorseq.protocols.io import validate_path

    out = tmp_path / "bids"
    (out / "sub-02").mkdir(parents=True)
    (out / "sub-02" / "ses-2").write_text("in the way\n")  # a file where session 2's folder must go
    cli = subprocess.run(
        [
            MOTORSEQ, "simulate", STUDY, "--participants", "2", "--seed", str(SEED), "--out", str(out),
            "--workers", "1", "--max-blocks", "1", "--max-trials-per-block", "6",
            "--build-dir", str(BUILD_ROOT), "--quiet",
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert cli.returncode == 1, cli.stderr
    assert "sub-02 failed: " in cli.stderr and "ses-2" in cli.stderr
    assert "1 simulated, 0 already done (skipped), 1 failed" in cli.stderr
    # participant 01 has both sessions, participant 02 its first; all valid BIDS runs of 6 trials
    assert sorted(p.name for p in (out / "sub-01").iterdir()) == ["ses-1", "ses-2"]
    assert (out / "sub-02" / "ses-1" / "beh").is_dir()
    assert [n for _, n, _ in validate_path(out / "sub-01")] == [6, 6]
    side = json.loads(next((out / "sub-01/ses-2/beh").glob("*_beh.json")).read_text())
    assert side["Extra"]["Simulation"]["Study"]["CarriedWeights"] is True
    # the same request again: 01 is finished (skipped), 02 is partly written: refused, nothing written
    before = _files(out, "01")
    again = subprocess.run(
        [
            MOTORSEQ, "simulate", STUDY, "--participants", "2", "--seed", str(SEED), "--out", str(out),
            "--workers", "1", "--max-blocks", "1", "--max-trials-per-block", "6",
            "--build-dir", str(BUILD_ROOT), "--quiet",
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert again.returncode == 2, again.stderr
    assert "sub-02: sessions [1] of 2 written; use --force" in again.stderr
    assert _files(out, "01") == before


@pytest.mark.slow  # two local clusters, 8 shortened sessions: ~1-2 min on 2 busy cores
def test_one_and_two_workers_write_byte_identical_studies(tmp_path):
    one = run_study_cohort(
        STUDY, tmp_path / "one", 2, seed=SEED, build_root=BUILD_ROOT, workers=1, progress=False, **SHORT
    )
    two = run_study_cohort(
        STUDY, tmp_path / "two", 2, seed=SEED, build_root=BUILD_ROOT, workers=2, progress=False, **SHORT
    )
    assert [o.status for o in one] == ["done", "done"], [o.details for o in one]
    assert [o.status for o in two] == ["done", "done"], [o.details for o in two]
    for label in ("01", "02"):
        files = _files(tmp_path / "one", label)
        assert len(files) == 16  # 2 sessions x (beh, events, activity, bold: table + sidecar)
        assert _files(tmp_path / "two", label) == files
    # a rerun skips both participants and starts no cluster
    again = run_study_cohort(
        STUDY, tmp_path / "one", 2, seed=SEED, build_root=BUILD_ROOT, workers=1, progress=False, **SHORT
    )
    assert [o.status for o in again] == ["skipped", "skipped"]


def test_a_study_cohort_carries_param_and_lesion_and_refuses_a_rerun_made_otherwise(tmp_path):
    """--lesion reaches every session; the same request skips, another seed or lesion is refused, nothing written."""
    from motorseq.models.cohort import CohortError

    out = tmp_path / "bids"
    lesioned = {"dopamine": 0.4}
    done = run_study_cohort(
        STUDY, out, 1, seed=SEED, build_root=BUILD_ROOT, workers=1, progress=False, lesions=lesioned,
        overrides={"slip_rate": 0.0}, **SHORT,
    )  # fmt: skip
    assert [o.status for o in done] == ["done"], [o.details for o in done]
    for session in ("1", "2"):
        side = json.loads(next((out / f"sub-01/ses-{session}/beh").glob("*_beh.json")).read_text())
        assert side["Source"]["Parameters"]["lesion_dopamine"] == 0.4
        assert side["Source"]["Parameters"]["slip_rate"] == 0.0
        assert side["Extra"]["Simulation"]["Lesions"] == lesioned and side["Extra"]["Simulation"]["Study"]
    before = _files(out, "01")
    same = run_study_cohort(
        STUDY, out, 1, seed=SEED, build_root=BUILD_ROOT, workers=1, progress=False, lesions=lesioned,
        overrides={"slip_rate": 0.0}, **SHORT,
    )  # fmt: skip
    assert [o.status for o in same] == ["skipped"]
    with pytest.raises(CohortError, match=r"sub-01: .*seed: recorded \d+, this run \d+ \(--seed\); use --force"):
        run_study_cohort(
            STUDY, out, 1, seed=SEED + 1, build_root=BUILD_ROOT, workers=1, progress=False, lesions=lesioned,
            overrides={"slip_rate": 0.0}, **SHORT,
        )  # fmt: skip
    with pytest.raises(CohortError, match=r'--lesion: recorded \{"dopamine": 0.4\}, this run \{\}'):
        run_study_cohort(
            STUDY, out, 1, seed=SEED, build_root=BUILD_ROOT, workers=1, progress=False,
            overrides={"slip_rate": 0.0}, **SHORT,
        )  # fmt: skip
    assert _files(out, "01") == before


def test_options_a_study_sets_itself_are_refused(tmp_path):
    for option in (["--group", "a"], ["--session", "3"], ["--run", "2"], ["--record-spikes"]):
        cli = subprocess.run(
            [MOTORSEQ, "simulate", STUDY, "--participants", "1", "--out", str(tmp_path / "x"), *option],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert cli.returncode == 2 and cli.stderr.startswith(f"error: {option[0]}: not for a study"), cli.stderr
        assert not (tmp_path / "x").exists()


def test_a_cohort_whose_group_contradicts_participants_tsv_is_refused_before_simulating(tmp_path):
    """participants.tsv lists sub-01 as 'normal': simulating it as 'lesion' is refused, nothing written."""
    out = tmp_path / "bids"
    out.mkdir()
    (out / "participants.tsv").write_text("participant_id\tsource\tgroup\nsub-01\tmodel\tnormal\n")
    cli = subprocess.run(
        [
            MOTORSEQ, "simulate", "classroom", "--participants", "1", "--group", "lesion", "--out", str(out),
            "--workers", "1", "--max-blocks", "1", "--max-trials-per-block", "6", "--build-dir", str(BUILD_ROOT),
            "--quiet",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert cli.returncode == 2
    assert "sub-01 is listed in group 'normal'; this run's group is 'lesion'" in cli.stderr
    assert sorted(p.name for p in out.iterdir()) == ["participants.tsv"]
