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
