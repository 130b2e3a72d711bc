"""The value a group shares: the product of its members' posteriors over the prior.

With a uniform prior on the unit axis and Gaussian likelihoods ``N(u; m_i, s)``, each member's
posterior is ``N(m_i, s)`` (truncated to [0, 1]) and the group's is ``N(mean m_i, s / sqrt(n))``:
the known answer the kernel-and-grid product must give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.models.fit import load_priors
from motorseq.models.fit.group import group_posteriors, group_recovery, people_outside_groups, shared_posterior


def member_draws(centres, sd: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for m in centres:
        d = rng.normal(m, sd, 4 * n)
        out.append(d[(d > 0) & (d < 1)][:n])  # the uniform prior truncates the posterior to [0, 1]
    return np.stack(out)


def test_the_group_posterior_of_gaussian_members_is_the_known_product():
    centres = np.array([0.30, 0.35, 0.40, 0.45, 0.38, 0.42, 0.33, 0.37])
    found = shared_posterior(member_draws(centres, 0.1, 2000, seed=1))
    assert found["n"] == 8
    assert found["mean"] == pytest.approx(centres.mean(), abs=0.01)
    # N(0.375, 0.1 / sqrt(8)): 90% interval +- 1.645 * 0.0354 = +- 0.058
    assert found["q_high"] - found["q_low"] == pytest.approx(2 * 1.645 * 0.1 / np.sqrt(8), rel=0.15)
    assert found["heterogeneity_p"] > 0.3  # their means scatter less than their widths allow
    one = shared_posterior(member_draws(centres[:1], 0.1, 2000, seed=2))
    assert one["q_high"] - one["q_low"] == pytest.approx(2 * 1.645 * 0.1, rel=0.15)  # a group of one: its posterior


def test_members_whose_posteriors_are_the_prior_leave_the_prior():
    rng = np.random.default_rng(3)
    found = shared_posterior(rng.uniform(size=(8, 3000)))  # nobody's data say anything
    assert found["mean"] == pytest.approx(0.5, abs=0.05)
    assert found["q_high"] - found["q_low"] > 0.75  # the uniform prior's 90% interval is 0.9 wide


def test_pseudo_groups_of_a_calibrated_posterior_cover_their_truth():
    rng = np.random.default_rng(4)
    truth = rng.uniform(0.05, 0.95, 400)
    draws = np.clip(truth[:, None] + rng.normal(0, 0.05, (400, 1)) + rng.normal(0, 0.05, (400, 800)), 1e-4, 1 - 1e-4)
    groups = group_recovery(draws, truth, group_size=8)
    assert len(groups) >= 40 and (groups["spread"] <= 0.03).all()  # 400 neighbours in true value, 8 by 8
    assert groups["inside"].mean() >= 0.8
    assert np.corrcoef(groups["truth"], groups["mean"])[0, 1] > 0.99


def test_group_posteriors_are_computed_per_group_for_the_named_parameters():
    priors = load_priors(
        {"parameters": {"lesion_dopamine": {"low": 0.2, "high": 1.0, "reason": "toy"},
                        "non_decision_ms": {"low": 80, "high": 320, "reason": "toy"}}}
    )  # fmt: skip
    rng = np.random.default_rng(5)
    rows = []
    for group, gain in (("lesion", 0.4), ("intact", 0.9)):
        for k in range(6):
            u = np.clip(rng.normal((gain - 0.2) / 0.8, 0.2, 1500), 1e-4, 1 - 1e-4)
            rows.append(pd.DataFrame({"participant": f"{group}{k}", "session": "1", "group": group,
                                      "draw": np.arange(1500), "lesion_dopamine": 0.2 + 0.8 * u,
                                      "non_decision_ms": rng.uniform(80, 320, 1500)}))  # fmt: skip
    table = group_posteriors(pd.concat(rows), priors, parameters=["lesion_dopamine"])
    assert table["parameter"].unique().tolist() == ["lesion_dopamine"]
    shared = table.set_index("group")
    assert shared.loc["lesion", "n"] == 6
    assert shared.loc["lesion", "q05"] < 0.4 < shared.loc["lesion", "q95"]
    assert shared.loc["intact", "q05"] < 0.9 < shared.loc["intact", "q95"]
    assert shared.loc["lesion", "q95"] < shared.loc["intact", "q05"]  # each person's 90% interval is ~0.5 wide


def test_members_without_information_leave_the_prior_whatever_the_draws():
    medians = [shared_posterior(np.random.default_rng(seed).uniform(size=(8, 1000)))["median"] for seed in range(10)]
    assert max(abs(m - 0.5) for m in medians) < 0.12  # the prior's median, give or take the draws' noise


def test_members_who_contradict_a_shared_value_are_flagged():
    found = shared_posterior(member_draws([0.2, 0.8], 0.01, 2000, seed=6))
    assert found["disagree"] == 2  # each member's own posterior excludes the value "shared"
    assert found["heterogeneity_p"] < 1e-6  # Cochran's Q: far more spread than their widths allow
    assert np.isfinite(found["mean"]) and 0 < found["q_low"] <= found["q_high"] < 1
    agree = shared_posterior(member_draws([0.40, 0.42], 0.05, 2000, seed=7))
    assert agree["disagree"] == 0 and agree["heterogeneity_p"] > 0.5
    same = shared_posterior(np.full((3, 100), 0.3))  # point masses: no kernel width, still a finite answer
    assert same["median"] == pytest.approx(0.3, abs=0.01) and np.isfinite(same["mean"])


def test_people_without_a_group_are_left_out_and_named():
    priors = load_priors(
        {"parameters": {"eta_striatum": {"low": 0.0005, "high": 0.05, "scale": "log", "reason": "toy"}}}
    )
    rng = np.random.default_rng(8)
    rows = [
        pd.DataFrame({"participant": p, "session": session, "group": group, "draw": np.arange(500),
                      "eta_striatum": np.exp(rng.normal(np.log(0.01), 0.5, 500))})
        for p, session, group in (("1", "1", "a"), ("2", 1, "a"), ("3", "1", np.nan), ("4", "1", "n/a"),
                                  ("5", "1", "b"))
    ]  # fmt: skip
    samples = pd.concat(rows, ignore_index=True)
    table = group_posteriors(samples, priors)
    assert table["group"].tolist() == ["a"] and table["n"].tolist() == [2]  # session 1 and "1" are one session
    # on a log-scaled parameter the mean is the model-axis mean, as in posterior_summary.csv
    assert table["mean"].iloc[0] > table["median"].iloc[0]
    assert people_outside_groups(samples) == (["3", "4"], ["b/ses-1"])
