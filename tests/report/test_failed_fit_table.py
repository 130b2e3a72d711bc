"""A failed curve fit is flagged in the report's fit table, its parameters not shown (issue 16)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
from motorseq.analysis.fits import fit_learning_curves
from motorseq.analysis.report.build import fits_section
from motorseq.analysis.report.html import render_html


def test_a_near_linear_curve_fit_is_flagged_and_its_parameters_hidden():
    rng = np.random.default_rng(0)
    rows = [
        {"participant": f"{p}", "session": "1", "group": "all", "source": "human", "block": b,
         "rt_ms": 500 - 5 * b + rng.normal(0, 1)}
        for p in range(6)
        for b in range(1, 11)
    ]  # fmt: skip
    groups = fit_learning_curves(pd.DataFrame(rows), n_boot=50, n_boot_participant=0, seed=0).groups
    exp = groups.set_index("model").loc["exponential"]
    assert exp["fit_status"] == "failed: asymptote outside the data"
    assert exp["a"] < -1000  # the asymptote the old table showed as a result (a = -4.5e+03 here)
    page = render_html("t", "s", [fits_section(SimpleNamespace(tables={"fits_groups": groups}))])
    assert "2 of 2 group fits failed (their parameters are not shown)" in page
    row = re.search(r"<td>failed: asymptote outside the data</td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[3] == "exponential" and cells[5:8] == ["—", "—", "—"]  # a, b, c
    assert not re.search(r"-4\.\d+e\+03|-4[45]\d\d\.", page)
