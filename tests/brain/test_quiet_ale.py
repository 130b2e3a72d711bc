"""`motorseq ale` prints no NiMARE log lines and no tqdm bars, only its own output (issue 16)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))


def _foci(path: Path) -> Path:
    rng = np.random.default_rng(7)
    lines = ["//Reference=MNI"]
    for i in range(12):
        lines += [f"// Study{i}: sequence > baseline", "// Subjects=16"]
        for centre in ([-24, 2, 2], [26, -60, -25]):
            x, y, z = np.array(centre) + rng.normal(0, 3, 3)
            lines.append(f"{x:.1f}\t{y:.1f}\t{z:.1f}")
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def test_ale_output_has_no_nimare_info_or_progress_bars(tmp_path):
    foci = _foci(tmp_path / "foci.txt")
    result = subprocess.run(
        [MOTORSEQ, "ale", str(foci), "--out", str(tmp_path / "ale"), "--iters", "20"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "INFO:" not in output
    assert "it/s]" not in output and "%|" not in output
    assert "12 experiments" in output
    assert "warning: ALE with 12 experiments" in output  # our own warning still shows


def test_import_nimare_leaves_the_root_logger_alone():
    code = (
        "import logging; from motorseq.analysis.brain.quiet import import_nimare; import_nimare(); "
        "root = logging.getLogger(); print(len(root.handlers), root.level)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", str(logging.WARNING)]
    assert "INFO:" not in out.stderr


def test_no_progress_bars_keeps_other_stderr_text(capsys):
    from motorseq.analysis.brain.quiet import no_progress_bars
    from tqdm import tqdm

    with no_progress_bars():
        for _ in tqdm(range(5), mininterval=0):
            pass
        print("kept line", file=sys.stderr)
    err = capsys.readouterr().err
    assert err == "kept line\n"
