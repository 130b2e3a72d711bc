"""ASRT triplet coding against hand-coded examples and the real data's own coding."""

from __future__ import annotations

import numpy as np
import pandas as pd
from motorseq.protocols import code_triplets


def test_hand_coded_triplets():
    # pattern 1-3-2-4: successors 1→3, 3→2, 2→4, 4→1
    positions = [1, 2, 3, 4, 2, 2, 2, 4, 2, 1, 4, 3, 2, 3, 1]
    expected = ["n/a", "n/a", "H", "H", "H", "L", "R", "H", "T", "H", "H", "H", "L", "T", "L"]
    got = code_triplets(positions, [1, 3, 2, 4])
    assert got.tolist() == expected


def test_triplets_do_not_span_blocks():
    positions = [1, 2, 3, 2, 4, 4]
    blocks = [1, 1, 1, 2, 2, 2]
    got = code_triplets(positions, [1, 3, 2, 4], blocks)
    assert got.tolist() == ["n/a", "n/a", "H", "n/a", "n/a", "H"]


def test_matches_real_asrt_coding(shared_asrt_path):
    data = pd.read_csv(shared_asrt_path)
    data = data.sort_values(
        ["subject", "session", "isPractice", "block", "trialNumber"], ascending=[True, True, False, True, True]
    )
    codes = []
    for _, run in data.groupby(["subject", "session"], sort=False):
        pattern = [int(c) for c in str(run["sequence"].iloc[0])]
        blocks = (run["isPractice"].astype(str) + "-" + run["block"].astype(str)).to_numpy()
        coded = code_triplets(run["correctPos"].to_numpy(), pattern, blocks, missing="X")
        coded[run["isPractice"].to_numpy() == 1] = "X"
        codes.append(pd.Series(coded, index=run.index))
    mine = pd.concat(codes).reindex(data.index)
    agreement = (mine == data["tripletType"]).mean()
    assert agreement == 1.0
    counts = data["tripletType"].value_counts()
    assert counts["H"] > 2 * counts["L"]  # high-frequency triplets dominate, as designed
    assert np.isclose(len(data), 184_800)
