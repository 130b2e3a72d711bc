"""The report never overwrites a file it was not asked to replace and says n for each statistic (issue 13)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.report.build import build_report


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", *args], capture_output=True, text=True, timeout=300
    )


def _one_line_error(result: subprocess.CompletedProcess, text: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "Traceback" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and text in lines[0], output
    return lines[0]


def test_report_refuses_to_overwrite_without_force(model_dataset, tmp_path):
    table = model_dataset / "participants.tsv"
    before = table.read_bytes()
    _one_line_error(_cli("report", str(model_dataset), "--out", str(table)), "--out exists already; use --force")
    assert table.read_bytes() == before
    folder = tmp_path / "folder"
    folder.mkdir()
    _one_line_error(_cli("report", str(model_dataset), "--out", str(folder)), "--out is a folder")
    assert list(folder.iterdir()) == []
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    _one_line_error(_cli("report", str(model_dataset), "--out", str(blocker / "r.html")), "cannot be written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "folder"]


def test_report_replaces_only_with_force(tmp_path):
    from motorseq.analysis.report.build import check_report_out

    out = tmp_path / "report.html"
    out.write_text("old")
    with pytest.raises(AnalysisInputError, match="exists already; use --force"):
        check_report_out(out)
    assert check_report_out(out, force=True) == out
    assert check_report_out(tmp_path / "new.html") == tmp_path / "new.html"


def test_report_names_n_per_statistic_when_a_bold_file_is_missing(model_dataset, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(model_dataset, root)
    bold = next(root.glob("derivatives/motorseq-model/sub-03/ses-*/*_desc-bold_timeseries.tsv"))
    bold.unlink()
    warnings: list[str] = []
    page = build_report(root, tmp_path / "r.html", n_perm=5, full_behaviour=False, warnings=warnings).read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "r.html"]  # no .part left behind
    assert len(warnings) == 1 and bold.name in warnings[0]
    assert "leave out 1 model participant(s) (sub-03)" in warnings[0]
    assert "4 participant(s) in the behavioural analysis, 3 in the brain statistics" in page
    assert "Brain statistics over n = 3 model participant(s): 01, 02, 04." in page


def test_empty_model_table_is_a_one_line_error(model_dataset, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(model_dataset, root)
    activity = next(root.glob("derivatives/motorseq-model/sub-02/ses-*/*_desc-regions_activity.tsv"))
    activity.write_text("")
    with pytest.raises(AnalysisInputError, match=rf"{activity.name}: cannot be read as a table: the file is empty"):
        build_report(root, tmp_path / "r.html", n_perm=5, full_behaviour=False)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"junk, not an image", "not a readable NIfTI image"), (None, "expected a 3-D map"), ("nan", "no finite")],
)
def test_ale_map_that_is_not_a_map_is_refused(model_dataset, tmp_path, content, problem):
    import nibabel as nib

    path = tmp_path / "junk.nii.gz"
    if content is None:
        nib.Nifti1Image(np.zeros((4, 4), dtype="float32"), np.eye(4)).to_filename(path)
    elif content == "nan":
        nib.Nifti1Image(np.full((4, 4, 4), np.nan, dtype="float32"), np.eye(4)).to_filename(path)
    else:
        path.write_bytes(content)
    from motorseq.analysis.brain.images import load_map_image

    with pytest.raises(AnalysisInputError, match=rf"junk\.nii\.gz: --ale: .*{problem}"):
        load_map_image(path)


def test_report_with_junk_ale_is_one_line(model_dataset, tmp_path):
    junk = tmp_path / "junk.nii.gz"
    junk.write_bytes(b"\x1f\x8b junk")
    _one_line_error(
        _cli("report", str(model_dataset), "--out", str(tmp_path / "r.html"), "--ale", str(junk)), "junk.nii.gz"
    )
    assert not (tmp_path / "r.html").exists()
