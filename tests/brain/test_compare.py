"""Comparison metrics on constructed inputs."""

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis.brain import MAP_REGIONS, consensus
from motorseq.analysis.brain.compare import (
    precision_recall,
    region_comparison_table,
    seq_random_vs_map,
    shift_summary,
    spatial_correlation,
    spearman_regions,
)
from motorseq.analysis.brain.images import region_image


def test_precision_recall_counts_and_skips_unknown():
    model = pd.Series({"a": True, "b": True, "c": False, "d": False, "e": True})
    ref = pd.Series({"a": True, "b": False, "c": True, "d": False, "e": pd.NA}, dtype="boolean")
    pr = precision_recall(model, ref)
    assert (pr["tp"], pr["fp"], pr["fn"], pr["tn"], pr["n_regions"]) == (1, 1, 1, 1, 4)
    assert pr["precision"] == 0.5 and pr["recall"] == 0.5 and pr["f1"] == 0.5
    none = precision_recall(pd.Series({"a": False}), pd.Series({"a": False}, dtype="boolean"))
    assert np.isnan(none["precision"]) and np.isnan(none["recall"])


def test_spearman_regions():
    a = pd.Series({"r1": 1.0, "r2": 2.0, "r3": 3.0, "r4": 4.0, "r5": np.nan})
    b = pd.Series({"r1": 10.0, "r2": 30.0, "r3": 20.0, "r4": 40.0, "r5": 1.0})
    res = spearman_regions(a, b)
    assert res["n"] == 4 and res["rho"] == pytest.approx(0.8)
    assert np.isnan(spearman_regions(a.iloc[:2], b.iloc[:2])["rho"])


def test_region_table_labels_agreement():
    stats = pd.DataFrame({"mean": 1.0, "q": 0.01, "engaged": True}, index=list(MAP_REGIONS))
    stats.loc["pallidum", "engaged"] = False
    table = region_comparison_table(stats, consensus())
    assert table.loc["M1", "agreement"] == "hit"
    assert table.loc["pallidum", "agreement"] == "correct rejection"  # map: Hardwick 0
    assert table.loc["dentate", "agreement"] == "no map verdict"


def test_seq_random_vs_janacsek():
    effect = pd.Series(0.0, index=list(MAP_REGIONS))
    effect[["putamen", "caudate"]] = [5.0, 4.0]
    stats = pd.DataFrame({"mean": effect, "engaged": effect > 1})
    res = seq_random_vs_map(stats, consensus(role="seq_gt_random"))
    assert res["top_region"] == "putamen" and res["top_is_reported"]
    assert res["precision"] == 1.0 and res["recall"] == pytest.approx(2 / 3)
    assert res["mean_reported"] == pytest.approx(3.0) and res["reported_larger"]


def test_shift_summary():
    table = pd.DataFrame(
        {
            "participant": ["1", "2", "3", "4", "5"],
            "ratio_early": [2.0, 2.2, 1.8, 2.5, 2.1],
            "ratio_late": [1.0, 1.1, 1.2, 1.0, 1.4],
        }
    )
    table["shift"] = table["ratio_early"] / table["ratio_late"]
    res = shift_summary(table)
    assert res["consistent"] and res["n"] == 5 and res["p"] == pytest.approx(1 / 32)


def test_spatial_correlation_with_permutation_null():
    values = pd.Series(np.arange(1.0, len(MAP_REGIONS) + 1), index=list(MAP_REGIONS))
    reference = region_image(values * 2 + 1, radius_mm=10)  # same pattern, larger spheres
    res = spatial_correlation(values, reference, n_perm=200, seed=3)
    assert res["r"] > 0.95 and res["p"] < 0.02 and res["n_regions"] == 10
    again = spatial_correlation(values, reference, n_perm=200, seed=3)
    assert again["p"] == res["p"]
    shuffled = spatial_correlation(values.iloc[::-1].set_axis(values.index), reference, n_perm=200, seed=3)
    assert shuffled["r"] < 0 and shuffled["p"] > 0.5
