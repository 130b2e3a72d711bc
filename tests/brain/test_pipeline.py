"""The whole model-vs-map comparison on a constructed model dataset."""

import json

import pytest
from motorseq.analysis.brain.images import region_image
from motorseq.analysis.brain.pipeline import compare_model_with_map, find_model_runs
from motorseq.analysis.errors import AnalysisInputError


def test_comparison_recovers_the_constructed_effects(model_dataset, tmp_path):
    assert len(find_model_runs(model_dataset)) == 4
    res = compare_model_with_map(model_dataset, n_perm=100)
    assert res.baseline == "rest"
    assert res.phases == {"early": [2, 3], "late": [6, 8]}
    early = res.stats["early"]
    # every mapped region is above rest early on (constructed rates 7-9 Hz vs 5 Hz at rest)
    assert early["engaged"].all() and len(early) == 11
    # constructed: subcortical/cerebellar fall from 9 to 6 Hz, cortex rises 7 -> 9 Hz
    shift = res.metrics["shift"]
    assert shift["consistent"] and shift["median_shift"] > 1.5 and shift["n"] == 4
    seq = res.metrics["seq_random"]
    assert seq["top_region"] in ("putamen", "caudate") and seq["reported_larger"]
    pr = res.metrics["precision_recall"]
    assert pr["n_regions"] == 8 and pr["recall"] == 1.0 and pr["precision"] == pytest.approx(7 / 8)
    assert res.table.loc["pallidum", "agreement"] == "false alarm"
    paths = res.save(tmp_path)
    saved = json.loads(paths["metrics"].read_text())
    assert saved["metrics"]["shift"]["consistent"] is True
    assert paths["img_early"].is_file()


def test_spatial_correlation_against_a_map(model_dataset):
    res = compare_model_with_map(model_dataset, n_perm=50)
    reference = region_image(res.stats["early"]["mean"], radius_mm=12)
    with_map = compare_model_with_map(model_dataset, ale_img=reference, n_perm=50, seed=2)
    assert with_map.metrics["spatial"]["r"] > 0.9


def test_missing_derivatives_is_one_line_error(tmp_path):
    with pytest.raises(AnalysisInputError, match="no model runs"):
        compare_model_with_map(tmp_path)


def test_runs_whose_blocks_differ_from_the_first_run_are_refused(model_dataset, tmp_path):
    import shutil

    import pandas as pd

    def changed(name, participant, change):
        data = shutil.copytree(model_dataset, tmp_path / name)
        (beh,) = data.glob(f"sub-{participant}/ses-1/beh/*_beh.tsv")
        trials = pd.read_csv(beh, sep="\t", dtype=str, keep_default_na=False)
        change(trials).to_csv(beh, sep="\t", index=False)
        first = next(iter(sorted(data.glob("sub-01/ses-1/beh/*_beh.tsv"))))
        with pytest.raises(AnalysisInputError) as err:
            compare_model_with_map(data, n_perm=5)
        return str(err.value), beh, first

    # a shortened run: the first run's late phase (blocks 6, 8) would be block 6 alone in it
    message, beh, first = changed("short", "04", lambda t: t[t["block"] != "8"])
    assert message == (
        f"{beh}: its blocks differ from those of the first run {first}: 7 block(s) here, 8 there, "
        "block(s) [8] missing here; the phases are compared block by block, so every run must have the same "
        "blocks (compare runs of one protocol, at full length)"
    )
    # another protocol's layout: the random block elsewhere
    message, beh, _ = changed("kinds", "03", lambda t: t.assign(block_kind=t["block"].map(_swap_6_7)))
    assert message.startswith(f"{beh}: its blocks differ from those of the first run ")
    assert ": block 6 is a random block here, a sequence block there; the phases" in message
    # whole runs of one protocol are compared as before
    assert compare_model_with_map(shutil.copytree(model_dataset, tmp_path / "whole"), n_perm=5).phases == {
        "early": [2, 3],
        "late": [6, 8],
    }


def _swap_6_7(block: str) -> str:
    return {"1": "practice", "6": "random", "7": "sequence"}.get(block, "sequence")
