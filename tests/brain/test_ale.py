"""ALE on small made-up foci, fully offline."""

import socket

import numpy as np
import pytest
from motorseq.analysis.brain.ale import FewExperimentsWarning, load_foci, run_ale
from motorseq.analysis.errors import AnalysisInputError


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def sleuth_file(tmp_path_factory):
    """12 made-up experiments with foci scattered around left putamen and right lobule VI."""
    rng = np.random.default_rng(7)
    lines = ["//Reference=MNI"]
    for i in range(12):
        lines += [f"// Study{i}: sequence > baseline", "// Subjects=16"]
        for centre in ([-24, 2, 2], [26, -60, -25]):
            x, y, z = np.array(centre) + rng.normal(0, 3, 3)
            lines.append(f"{x:.1f}\t{y:.1f}\t{z:.1f}")
        x, y, z = rng.uniform([-60, -90, -30], [60, 50, 60])
        lines.append(f"{x:.1f}\t{y:.1f}\t{z:.1f}")
        lines.append("")
    path = tmp_path_factory.mktemp("foci") / "foci.txt"
    path.write_text("\n".join(lines))
    return path


def test_ale_finds_the_planted_clusters_offline(sleuth_file, no_network, tmp_path):
    with pytest.warns(FewExperimentsWarning, match="12 experiments"):
        result = run_ale(sleuth_file, n_iters=100, seed=1, mask_mm=4)
    assert result.n_experiments == 12
    peaks = result.clusters[["X", "Y", "Z"]].to_numpy(float)
    assert len(peaks) >= 2
    for centre in ([-24, 2, 2], [26, -60, -25]):
        assert np.min(np.linalg.norm(peaks - centre, axis=1)) < 10
    z = np.asarray(result.z_map.dataobj)
    # thresholded: a few clusters, not the brain
    assert z.shape == (46, 55, 46) and z.max() > 3 and (z > 0).sum() < 1000
    paths = result.save(tmp_path)
    assert all(p.is_file() for p in paths.values())
    again = run_ale(sleuth_file, n_iters=100, seed=1, mask_mm=4)
    np.testing.assert_array_equal(np.asarray(again.cluster_logp.dataobj), np.asarray(result.cluster_logp.dataobj))


def test_ale_bad_input_is_one_line_error(tmp_path):
    with pytest.raises(AnalysisInputError, match="not found"):
        load_foci(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("//Reference=MNI\n// S1\n1 2\n")
    with pytest.raises(AnalysisInputError, match="bad.txt"):
        load_foci(bad)
    with pytest.raises(AnalysisInputError, match="n_iters"):
        run_ale(bad, n_iters=0)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (("// Subjects=16", "// Subjects=-5"), r"bad\.txt:3: Subjects: '-5' must be a whole number ≥ 1"),
        (("// Subjects=16", "// Subjects = 0"), r"bad\.txt:3: Subjects: '0' must be a whole number ≥ 1"),
        (("// Subjects=16", "// Subjects=many"), r"bad\.txt:3: Subjects: 'many'"),
        (("-24.0\t2.0\t2.0", "nan\t2.0\t2.0"), r"bad\.txt:4: coordinates 'nan\\t2.0\\t2.0' are not finite"),
        (("-24.0\t2.0\t2.0", "1e400 2 2"), r"bad\.txt:4: coordinates .* not finite numbers within"),
        (("-24.0\t2.0\t2.0", "-24 2"), r"bad\.txt:4: expected three numbers x y z"),
        (("//Reference=MNI", "//Reference=Mars"), r"bad\.txt:1: expected //Reference=MNI"),
    ],
)
def test_ale_refuses_bad_sleuth_lines(tmp_path, edit, problem):
    lines = ["//Reference=MNI"]
    for i in range(3):
        lines += [f"// Study{i}", "// Subjects=16", "-24.0\t2.0\t2.0", "26.0\t-60.0\t-25.0", ""]
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(lines).replace(edit[0], edit[1], 1))
    with pytest.raises(AnalysisInputError, match=problem):
        load_foci(bad)
    with pytest.raises(AnalysisInputError, match=problem):
        run_ale(bad, n_iters=1, mask_mm=4)
