"""The report's Fit section, from the tables motorseq fit writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis.report.fit import fit_section
from motorseq.analysis.report.html import render_html


def test_fit_section_shows_posteriors_recovery_predictive_check_and_groups(tmp_path):
    rng = np.random.default_rng(0)
    people = [("01", "A"), ("02", "A"), ("03", "B")]
    pd.DataFrame(
        [{"participant": p, "session": "1", "group": g, "parameter": "eta_striatum", "mean": 0.001 * (i + 1),
          "median": 0.001, "sd": 0.0002, "q05": 0.0007 * (i + 1), "q95": 0.0013 * (i + 1)}
         for i, (p, g) in enumerate(people)]
    ).to_csv(tmp_path / "posterior_summary.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [{"participant": p, "session": "1", "group": g, "statistic": f"rt_b{k}", "block": k,
          "observed": 500 - 5 * k, "low": 450, "median": 490, "high": 530, "inside": True, "ess": 40.0}
         for p, g in people for k in range(1, 6)]
    ).to_csv(tmp_path / "predictive_check.csv", index=False)  # fmt: skip
    truth = rng.uniform(0.2, 1.0, 20)
    pd.DataFrame(
        {"sim": range(20), "parameter": "lesion_dopamine", "true": truth, "mean": truth + 0.02, "q05": truth - 0.1,
         "q95": truth + 0.1, "rank": 50, "n_draws": 100}
    ).to_csv(tmp_path / "recovery_draws.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [{"parameter": "lesion_dopamine", "r": 0.93, "coverage": 0.9, "sbc_p": 0.4, "contraction": 0.7,
          "identifiable": True, "n": 20}]
    ).to_csv(tmp_path / "recovery.csv", index=False)  # fmt: skip
    (tmp_path / "summary.txt").write_text("fitted 3 participant x session(s)\n")
    html = render_html("t", "s", [fit_section(tmp_path)])
    assert "fitted 3 participant x session(s)" in html
    assert 'id="fig-fit-recovery"' in html and 'id="fig-fit-predictive"' in html
    assert "0.002 [0.0014, 0.0026]" in html  # participant 02: mean [90% interval]
    assert "0.93" in html  # recovery r


def test_fit_section_shows_which_statistic_informs_which_parameter(tmp_path):
    pd.DataFrame(
        [{"statistic": "rt_b1", "missing": 0.0, "non_decision_ms": 0.8712, "lesion_dopamine": -0.1234,
          "strongest": "non_decision_ms"}]
    ).to_csv(tmp_path / "information.csv", index=False)  # fmt: skip
    html = render_html("t", "s", [fit_section(tmp_path)])
    assert "Which statistic carries information about which parameter" in html
    assert "0.87" in html and "-0.12" in html and "non_decision_ms" in html


def test_fit_section_shows_the_value_each_group_shares_and_its_recovery(tmp_path):
    pd.DataFrame(
        [{"group": "lesion", "session": "1", "parameter": "lesion_dopamine", "n": 8, "mean": 0.4217, "median": 0.42,
          "q05": 0.2581, "q95": 0.5462},
         {"group": "normal", "session": "1", "parameter": "lesion_dopamine", "n": 8, "mean": 0.9781, "median": 0.98,
          "q05": 0.9412, "q95": 0.9893}]
    ).to_csv(tmp_path / "group_posteriors.csv", index=False)  # fmt: skip
    pd.DataFrame(
        [{"parameter": "lesion_dopamine", "groups": 71, "group_size": 8, "r": 0.8234, "coverage": 0.8451,
          "width": 0.5123}]
    ).to_csv(tmp_path / "group_recovery.csv", index=False)  # fmt: skip
    html = render_html("t", "s", [fit_section(tmp_path)])
    assert "The value each group shares" in html and "0.258" in html and "0.941" in html
    assert "Recovery of a value a group shares" in html and "0.823" in html


def test_a_cut_fit_table_is_refused_naming_the_file(tmp_path):
    from motorseq.analysis.errors import AnalysisInputError

    (tmp_path / "group_posteriors.csv").write_text("group,session,parameter,n,mean\nlesion,1,lesion_dopam")
    with pytest.raises(AnalysisInputError, match=r"group_posteriors.csv: cut short \(its last line does not end\)"):
        fit_section(tmp_path)
