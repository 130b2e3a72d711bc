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


def _sleuth(tmp_path, *experiments, reference="MNI"):
    """A Sleuth file of (header lines, foci lines) experiments."""
    lines = [f"//Reference={reference}"]
    for header, foci in experiments:
        lines += [*header, *foci, ""]
    path = tmp_path / "foci.txt"
    path.write_text("\n".join(lines))
    return path


def test_a_repeated_experiment_name_is_refused_not_merged(tmp_path):
    exp = (["// Smith 2005", "// Subjects=10"], ["-38 -22 56"])
    other = (["// Jones 2010", "// Subjects=12"], ["30 -50 -20"])
    assert len(load_foci(_sleuth(tmp_path, exp, other)).ids) == 2
    path = _sleuth(tmp_path, exp, other, (["// Smith 2005", "// Subjects=14"], ["20 -4 8"]))
    with pytest.raises(AnalysisInputError) as err:
        load_foci(path)
    assert str(err.value).startswith(f"{path}:10: experiment 'Smith 2005' repeats the one at line 2 ")
    # names NiMARE parses to the same study and contrast: caught by the count
    path = _sleuth(
        tmp_path,
        (["// Smith 2005: A", "// Subjects=10"], ["-38 -22 56"]),
        (["// Smith 2005 : A", "// Subjects=9"], ["1 2 3"]),
    )
    with pytest.raises(AnalysisInputError, match=r"foci\.txt: 2 experiments in the file, but NiMARE read 1"):
        load_foci(path)


def test_a_second_subjects_line_is_refused(tmp_path):
    path = _sleuth(tmp_path, (["// StudyA", "// Subjects=10", "// Subjects=99"], ["-38 -22 56"]))
    with pytest.raises(AnalysisInputError) as err:
        load_foci(path)
    assert str(err.value) == f"{path}:4: a second Subjects line in the experiment of line 2 (the first is line 3)"


def test_foci_outside_the_template_box_are_refused(tmp_path):
    from motorseq.analysis.brain.ale import template_bounds

    assert template_bounds() == ((-91.0, 91.0), (-127.0, 91.0), (-73.0, 109.0))  # MNI152 2 mm, 91 x 109 x 91
    inside = (["// StudyA", "// Subjects=10"], ["90 -126 108", "-38 -22 56"])
    assert len(load_foci(_sleuth(tmp_path, inside, (["// StudyB", "// Subjects=8"], ["0 0 0"]))).coordinates) == 3
    path = _sleuth(tmp_path, inside, (["// StudyB", "// Subjects=8"], ["0 0 0", "150 150 150"]))
    with pytest.raises(AnalysisInputError) as err:
        load_foci(path)
    assert str(err.value) == (
        f"{path}:10: coordinates '150 150 150' lie outside the ale_2mm template's box "
        "(x -91 to 91, y -127 to 91, z -73 to 109 mm), so they add nothing to the ALE"
    )
    # Talairach foci are checked where NiMARE puts them (in MNI): z 105 TAL lies above the box
    path = _sleuth(tmp_path, (["// StudyA", "// Subjects=10"], ["0 0 105"]), reference="TAL")
    with pytest.raises(
        AnalysisInputError, match=r"foci\.txt:4: coordinates '0 0 105' \(TAL; 2 10 112 in MNI\) lie outside the ale_2mm"
    ):
        load_foci(path)
