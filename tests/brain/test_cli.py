"""The brain commands through the root CLI."""

import json
import subprocess
import sys

from motorseq.protocols.cli import app
from typer.testing import CliRunner


def test_compare_brain_command_writes_tables_and_images(model_dataset, tmp_path):
    out = tmp_path / "brain"
    result = CliRunner().invoke(
        app, ["compare-brain", str(model_dataset), "--out", str(out), "--perm", "20", "--early", "2", "--late", "8"]
    )
    assert result.exit_code == 0, result.output
    assert "precision" in result.output
    metrics = json.loads((out / "comparison_metrics.json").read_text())
    assert metrics["phases"] == {"early": [2], "late": [8]}
    assert (out / "model_early_space-MNI152_desc-roispheres.nii.gz").is_file()


def test_brain_map_command_lists_sources():
    result = CliRunner().invoke(app, ["brain-map"])
    assert result.exit_code == 0 and "janacsek2020" in result.output


def test_bad_phase_blocks_exit_2_with_one_line(model_dataset, tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "motorseq.protocols",
            "compare-brain",
            str(model_dataset),
            "--out",
            str(tmp_path),
            "--early",
            "two",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: --early: expected block numbers like 2,3; got 'two'"]


def test_import_is_light():
    code = (
        "import sys, motorseq.analysis.brain, motorseq.analysis.report; "
        "print(any(m.split('.')[0] in ('nimare', 'nilearn', 'brian2') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_compare_brain_at_two_participants_claims_nothing(tmp_path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("model_fixture", Path(__file__).with_name("model_fixture.py"))
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    data = fixture.write_model_dataset(tmp_path / "two" / "data", n_participants=2)
    result = CliRunner().invoke(app, ["compare-brain", str(data), "--out", str(tmp_path / "brain"), "--perm", "20"])
    assert result.exit_code == 0, result.output
    assert "toward cortex: True" not in result.output
    assert "shift toward cortex: not enough participants (n = 2, p = 0.25" in " ".join(result.output.split())
    metrics = json.loads((tmp_path / "brain" / "comparison_metrics.json").read_text())
    assert metrics["metrics"]["shift"]["supported"] is False


def test_empty_or_malformed_block_lists_are_refused(model_dataset, tmp_path):
    for value, message in (
        (",", "--early: no block numbers in ',' (expected e.g. 2,3)"),
        ("2,,3", "--early: expected block numbers (1, 2, ...) separated by commas; got '2,,3'"),
        ("0", "--early: expected block numbers (1, 2, ...) separated by commas; got '0'"),
    ):
        out = tmp_path / "brain"
        result = CliRunner().invoke(app, ["compare-brain", str(model_dataset), "--out", str(out), "--early", value])
        assert str(result.exception) == message  # the root command prints it as "error: ..." and exits 2
        assert not out.exists()


def test_ale_keeps_an_existing_out_unless_forced(tmp_path):
    foci = tmp_path / "foci.txt"
    lines = ["//Reference=MNI"]
    for i in range(3):
        lines += [f"// Study{i}", "// Subjects=16", "-24 2 2", "26 -60 -25", ""]
    foci.write_text("\n".join(lines))
    out = tmp_path / "ale"
    out.mkdir()
    earlier = out / "ale_clusters.tsv"
    earlier.write_text("an earlier ALE's table\n")
    result = CliRunner().invoke(app, ["ale", str(foci), "--out", str(out), "--iters", "2"])
    assert str(result.exception) == (
        f"{out}: --out is not empty; use --force to write into it (same-named files are replaced)"
    )
    assert earlier.read_text() == "an earlier ALE's table\n" and sorted(p.name for p in out.iterdir()) == [earlier.name]
    result = CliRunner().invoke(app, ["ale", str(foci), "--out", str(out), "--iters", "2", "--force"])
    assert result.exit_code == 0, result.output
    assert "3 experiments" in result.output and earlier.read_text().startswith("Cluster ID")


def test_compare_brain_keeps_an_existing_out_unless_forced(model_dataset, tmp_path):
    out = tmp_path / "brain"
    out.mkdir()
    earlier = out / "region_comparison.tsv"
    earlier.write_text("an earlier comparison's table\n")
    args = ["compare-brain", str(model_dataset), "--out", str(out), "--perm", "5", "--early", "2", "--late", "8"]
    result = CliRunner().invoke(app, args)
    assert str(result.exception) == (
        f"{out}: --out is not empty; use --force to write into it (same-named files are replaced)"
    )
    assert earlier.read_text() == "an earlier comparison's table\n"
    assert sorted(p.name for p in out.iterdir()) == [earlier.name]
    result = CliRunner().invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert earlier.read_text().startswith("region\t") and (out / "comparison_metrics.json").is_file()
    metrics = json.loads((out / "comparison_metrics.json").read_text())
    assert metrics["phases"] == {"early": [2], "late": [8]} and metrics["provenance"]["n_perm"] == 5
