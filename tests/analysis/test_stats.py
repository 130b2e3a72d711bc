"""The statistics wrappers on small constructed tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import stats


def _long(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(12):
        group = "a" if p < 6 else "b"
        offset = rng.normal(0, 30)
        for epoch in (1, 2):
            for triplet, shift in (("H", 0.0), ("L", 15.0)):
                rt = 450 + offset - 20 * epoch + shift + (10 if group == "b" else 0) + rng.normal(0, 5)
                rows.append({"participant": f"p{p}", "group": group, "session": "1", "epoch": epoch,
                             "triplet_type": triplet, "rt_ms": rt})  # fmt: skip
    return pd.DataFrame(rows)


FORMULA = "rt_ms ~ C(session) + C(epoch) * C(triplet_type) * C(group)"


def test_mixed_model_recovers_the_planted_triplet_effect():
    table = stats.mixed_model(_long(), FORMULA).set_index("term")
    assert table.loc["C(triplet_type)[T.L]", "estimate"] == pytest.approx(15.0, abs=6.0)
    assert table.loc["C(epoch)[T.2]", "estimate"] == pytest.approx(-20.0, abs=6.0)
    assert table.loc["C(triplet_type)[T.L]", "p"] < 0.001


def test_a_singular_design_is_reported_not_raised():
    long = _long()
    long.loc[long["group"] == "b", "session"] = "2"  # session confounded with group
    table = stats.mixed_model(long, FORMULA)
    assert len(table) == 1 and table["term"].iloc[0].startswith(stats.NOT_FITTED)
    assert "Singular matrix" in table["term"].iloc[0] and table["estimate"].isna().all()
