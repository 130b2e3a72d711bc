"""The HTML report as a reader sees it: rendered by headless Chromium."""

import base64
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from motorseq.analysis.report.build import build_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report(model_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    steps = []
    build_report(model_dataset, out, n_perm=50, progress=steps.append)
    assert steps == ["behaviour", "brain comparison", "figures", "writing"]
    return out


def test_report_is_self_contained(report):
    page = report.read_text()
    # figures embedded, nothing fetched from elsewhere
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(images) >= 5 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    for fig_id in ("fig-brain-early", "fig-brain-late", "fig-brain-seq", "fig-shift"):
        assert f'id="{fig_id}"' in page
    # every embedded PNG decodes and is not tiny
    for src in images:
        assert len(base64.b64decode(src.split(",", 1)[1])) > 5000
    for text in (
        "Provenance",
        "10.1038/s41398-026-03851-8",
        "AAL3",
        "ProtocolSHA256"[:0] + "protocol_sha256",
        "precision (engaged early vs map)",
        "srtclassic",
    ):
        assert text in page


_LAYOUT_JS = """<script>window.addEventListener('load', () => {
  for (const f of document.querySelectorAll('figure img')) {
    const r = f.getBoundingClientRect();
    const box = [r.left, r.top + window.scrollY, r.width, r.height].map(Math.round);
    f.parentElement.setAttribute('data-box', box.join(','));
  }
});</script>"""


def _chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--hide-scrollbars",
        *args,
    ]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=120, text=True)


def test_rendered_report_shows_the_figures(report, tmp_path):
    """Screenshot the page and check each figure's on-screen box holds a picture."""
    from matplotlib.image import imread

    # a copy with a script that records where each figure is laid out (the report has no JS)
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text().replace("</body>", _LAYOUT_JS + "</body>"))
    width, height = 1200, 12000
    dom = _chromium(["--dump-dom", f"--window-size={width},{height}", probe.as_uri()], tmp_path).stdout
    boxes = {
        fid: tuple(int(v) for v in box.split(","))
        for fid, box in re.findall(r'<figure id="([^"]+)" data-box="([^"]+)"', dom)
    }
    assert {"fig-brain-early", "fig-brain-late", "fig-brain-seq", "fig-shift"} <= set(boxes)
    shot = tmp_path / "shot.png"
    _chromium([f"--screenshot={shot}", f"--window-size={width},{height}", probe.as_uri()], tmp_path)
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (height, width)
    assert pixels[:60].mean() < 0.45  # the dark header band is drawn
    for fid, (left, top, w, h) in boxes.items():
        assert w > 200 and h > 150, fid
        assert top + h <= height, f"{fid} lies below the screenshot"
        region = pixels[top : top + h, left : left + w]
        non_white = (region.min(axis=2) < 0.9).mean()
        assert 0.02 < non_white < 0.9, (fid, non_white)  # drawn, not blank, not a solid block
        assert region.std() > 0.1, fid
        if fid.startswith("fig-brain"):
            saturation = region.max(axis=2) - region.min(axis=2)
            assert (saturation > 0.4).mean() > 0.01, fid  # coloured activation spheres visible
    # a blank area of the page (right margin beside the figures) really is blank
    assert pixels[200:400, 1150:1190].std() < 0.02


def test_report_with_ale_of_user_foci(model_dataset, tmp_path):
    """An ALE of made-up foci is shown and used for the voxel-level comparison."""
    import warnings

    from motorseq.analysis.brain.ale import run_ale

    rng = np.random.default_rng(3)
    lines = ["//Reference=MNI"]
    for i in range(10):
        lines += [f"// Study{i}", "// Subjects=12"]
        for centre in ([-24, 2, 2], [26, -60, -25]):
            x, y, z = np.array(centre) + rng.normal(0, 3, 3)
            lines.append(f"{x:.1f}\t{y:.1f}\t{z:.1f}")
        lines.append("")
    foci = tmp_path / "foci.txt"
    foci.write_text("\n".join(lines))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ale = run_ale(foci, n_iters=50, seed=0, mask_mm=4)
    out = build_report(model_dataset, tmp_path / "r.html", n_perm=20, ale_result=ale, full_behaviour=False)
    page = out.read_text()
    assert 'id="fig-ale"' in page and "voxel-level r with ALE map" in page
    assert "underpowered" in page
    # the quick behavioural analysis still gives the analysis's own figures (one definition)
    assert 'id="fig-beh-learning_curves"' in page and 'id="fig-beh-sequence_vs_random"' in page


def test_report_accepts_a_demo_folder_and_rejects_a_missing_one(model_dataset, tmp_path):
    from motorseq.analysis.errors import AnalysisInputError

    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "data").symlink_to(model_dataset, target_is_directory=True)
    out = build_report(demo, tmp_path / "r.html", n_perm=10, full_behaviour=False)
    assert "4 participant(s)" in out.read_text()
    with pytest.raises(AnalysisInputError, match="not a folder"):
        build_report(tmp_path / "nowhere", tmp_path / "x.html")
