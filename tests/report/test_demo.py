"""``motorseq demo`` end to end with the real spiking model (slow: compiles and simulates), and its --out checks."""

import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    from motorseq.analysis.report.demo import run_demo

    report = run_demo(tmp_path / "demo", participants=2, seed=0, workers=2)
    page = report.read_text()
    assert 'id="fig-brain-early"' in page and 'id="fig-brain-late"' in page
    assert (tmp_path / "demo" / "brain" / "comparison_metrics.json").is_file()
    assert len(list((tmp_path / "demo" / "data").glob("sub-*/ses-1/beh/*_beh.tsv"))) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("x"), r"afile: --out is a file; give a folder"),
        (lambda p: p.symlink_to(p.parent / "gone"), r"afile: --out is a symbolic link to nothing"),
    ],
)
def test_demo_refuses_an_out_that_is_not_a_folder_in_one_line(tmp_path, make, message):
    out = tmp_path / "afile"
    make(out)
    result = subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", "demo", "--out", str(out), "--participants", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert re.search(message, result.stderr)


def test_demo_force_replaces_participants_simulated_otherwise(tmp_path, monkeypatch):
    import motorseq.models.cohort as cohort
    from motorseq.analysis.report.demo import run_demo

    seen = []

    def stop(spec, **kwargs):
        seen.append(spec.force)
        raise RuntimeError("stop before simulating")

    monkeypatch.setattr(cohort, "run_cohort", stop)
    for force in (False, True):
        with pytest.raises(RuntimeError, match="stop before simulating"):
            run_demo(tmp_path / "demo", participants=2, force=force)
    assert seen == [False, True]
