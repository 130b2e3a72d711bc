"""Group statistics: repeated-measures ANOVA, mixed models and effect sizes.

Pingouin does the repeated-measures ANOVA (partial eta squared) and the one-sample tests
(Cohen's d_z, CI, Bayes factor); statsmodels fits the linear mixed model when there is a
between-participant group. Both are imported inside the functions (pingouin takes seconds to
import).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["complete_cases", "rm_anova", "mixed_model", "effect_tests"]


def complete_cases(long: pd.DataFrame, subject: str, within: list[str], dv: str) -> pd.DataFrame:
    """Keep only subjects with a value in every cell of the within design (as rm-ANOVA needs)."""
    data = long.dropna(subset=[dv])
    cells = data.groupby(within, observed=True).ngroups
    n = data.drop_duplicates([subject] + within).groupby(subject, observed=True).size()
    keep = n[n == cells].index
    return data[data[subject].isin(keep)]


def rm_anova(long: pd.DataFrame, dv: str, within: list[str], subject: str = "participant") -> pd.DataFrame:
    """Repeated-measures ANOVA with partial eta squared (pingouin).

    Parameters
    ----------
    long : DataFrame
        One row per subject × within cell.
    dv : str
        Dependent variable.
    within : list of str
        One or two within-subject factors.
    subject : str
        Subject column.

    Returns
    -------
    DataFrame
        pingouin's table (``Source, SS, ddof1, ddof2, MS, F, p_unc, ng2/np2, eps``...),
        with the number of subjects in ``n``.
    """
    import pingouin as pg

    data = complete_cases(long, subject, within, dv)
    if data[subject].nunique() < 2:
        return pd.DataFrame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = pg.rm_anova(
            data=data,
            dv=dv,
            within=within if len(within) > 1 else within[0],
            subject=subject,
            effsize="np2",
            detailed=True,
        )
    table.columns = [str(c).replace("-", "_") for c in table.columns]
    table["n"] = data[subject].nunique()
    return table


#: ``term`` of the one row a mixed model returns when it cannot be fitted.
NOT_FITTED = "not fitted"


def mixed_model(long: pd.DataFrame, formula: str, subject: str = "participant") -> pd.DataFrame:
    """Linear mixed model with a random intercept per subject (statsmodels ``mixedlm``).

    Parameters
    ----------
    long : DataFrame
        Long table.
    formula : str
        Fixed effects, e.g. ``"rt_ms ~ C(epoch) * C(triplet_type) * C(group)"``.
    subject : str
        Grouping column of the random intercept.

    Returns
    -------
    DataFrame
        ``term, estimate, se, z, p, ci_low, ci_high`` of the fixed effects. When the design is
        singular (a factor confounded with another, e.g. session labels that coincide with the
        groups) one row with ``term`` starting :data:`NOT_FITTED` and NaN numbers.
    """
    import statsmodels.formula.api as smf

    data = long.dropna()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = smf.mixedlm(formula, data=data, groups=data[subject]).fit(reml=True)
    except np.linalg.LinAlgError as error:
        reason = f"{NOT_FITTED}: {formula}: {error} (a factor level confounded with another; check the labels)"
        return pd.DataFrame(
            [{"term": reason, **dict.fromkeys(["estimate", "se", "z", "p", "ci_low", "ci_high"], np.nan)}]
        )
    ci = fit.conf_int()
    out = pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "z": fit.tvalues.to_numpy(),
            "p": fit.pvalues.to_numpy(),
            "ci_low": ci[0].to_numpy(),
            "ci_high": ci[1].to_numpy(),
        }
    )
    return out[~out["term"].eq("Group Var")].reset_index(drop=True)


def effect_tests(table: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """One-sample t test of ``value`` against 0 in each cell, with Cohen's d_z (pingouin).

    Returns
    -------
    DataFrame
        ``by..., n, mean, T, dof, p, ci_low, ci_high, cohen_dz, BF10``.
    """
    import pingouin as pg

    rows = []
    for key, sub in table.dropna(subset=[value]).groupby(by, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        vals = sub[value].to_numpy(dtype=float)
        row = dict(zip(by, key, strict=True)) | {"n": len(vals), "mean": float(np.mean(vals)) if len(vals) else np.nan}
        if len(vals) > 1 and np.std(vals) > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = pg.ttest(vals, 0.0)
            ci = res["CI95"].iloc[0] if "CI95" in res.columns else res.filter(like="CI").iloc[0, 0]
            row |= {
                "T": float(res["T"].iloc[0]),
                "dof": float(res["dof"].iloc[0]),
                "p": float(res["p_val"].iloc[0] if "p_val" in res.columns else res["p-val"].iloc[0]),
                "ci_low": float(ci[0]),
                "ci_high": float(ci[1]),
                "cohen_dz": float(res["cohen_d"].iloc[0] if "cohen_d" in res.columns else res["cohen-d"].iloc[0]),
                "BF10": float(res["BF10"].iloc[0]),
            }
        rows.append(row)
    return pd.DataFrame(rows)
