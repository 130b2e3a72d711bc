"""Model vs people: the same pipeline on both, curves and effects side by side.

:func:`compare` analyses the people's and the model's data with the same rules, then reports:
learning curves normalised to each participant's first block (group mean ± 95 % CI), the RMSE
and Pearson correlation between the two group curves, the sequence-specific (SRT) or triplet
(ASRT) effect of each with its CI, and whether the model's effect lies inside the people's CI.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.analysis.claims import ci_claim
from motorseq.analysis.cleaning import CleaningRules
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders import Dataset, load_dataset
from motorseq.analysis.measures import group_summary
from motorseq.analysis.pipeline import AnalysisResult, analyze, curve_axes
from scipy import stats as sps

__all__ = ["ComparisonResult", "compare", "normalised_curves", "effect_per_participant"]

_EFFECT = {
    "srt": ("srt_sequence_learning", "sequence_effect_ms", "Sequence-specific learning (ms)"),
    "asrt": ("asrt_triplet_learning", "triplet_effect_ms", "Triplet learning L − H (ms)"),
}
_PROBABILISTIC = (
    "srt_probabilistic_learning",
    "probabilistic_effect_ms",
    "Probabilistic learning, improbable − probable (ms)",
)


@dataclass
class ComparisonResult:
    """People and model analysed alike, and how they compare.

    Attributes
    ----------
    people, model : AnalysisResult
        The two analyses.
    tables : dict of str to DataFrame
        ``compare_curves`` (per block), ``compare_effects`` (people, model), ``compare_summary``
        (one row per metric).
    figures : dict of str to Figure
    figure_paths : dict of str to list of Path
    summary : list of str
    """

    people: AnalysisResult
    model: AnalysisResult
    tables: dict[str, pd.DataFrame]
    summary: list[str]
    figures: dict[str, Any] = field(default_factory=dict)
    figure_paths: dict[str, list[Path]] = field(default_factory=dict)

    def save(self, out: str | Path) -> Path:
        """Write the comparison and both analyses under ``out``.

        ``tables/``, ``figures/``, ``summary.txt`` hold the comparison; ``people/`` and ``model/``
        each side's full analysis.

        Raises
        ------
        AnalysisInputError
            A file cannot be written (one line naming it).
        """
        from motorseq.analysis.pipeline import save_outputs

        out = Path(out)
        try:
            self.figure_paths.update(save_outputs(out, self.tables, self.figures, self.summary))
        except OSError as error:
            raise AnalysisInputError(
                f"{error.filename or out}: cannot write the results: {error.strerror or error}"
            ) from None
        self.people.save(out / "people")
        self.model.save(out / "model")
        try:
            (out / "provenance.json").write_text(
                json.dumps({"people": self.people.provenance, "model": self.model.provenance}, indent=2, default=str),
                encoding="utf-8",
            )
        except OSError as error:
            raise AnalysisInputError(
                f"{error.filename or out}: cannot write the results: {error.strerror or error}"
            ) from None
        return out


def normalised_curves(curves: pd.DataFrame, unit: str = "block", value: str = "rt_ms") -> pd.DataFrame:
    """Each participant's curve divided by its value in their first ``unit`` (per session): ``norm``."""
    ordered = curves.sort_values(["participant", "session", unit])
    first = ordered.groupby(["participant", "session"], sort=False, observed=True)[value].transform("first")
    return ordered.assign(norm=ordered[value] / first)


def effect_per_participant(result: AnalysisResult) -> tuple[pd.DataFrame, str, str]:
    """One effect value per participant (and session): the paradigm's learning effect.

    SRT: mean sequence-specific effect over random blocks (probabilistic SRT: mean improbable −
    probable effect over epochs); ASRT: mean triplet effect over
    epochs; DSP/FTT: the learning curve's first minus last value.

    Returns
    -------
    table : DataFrame
        ``participant, session, effect``.
    name, label : str
        Column name of the effect and an axis label.
    """
    if result.paradigm in _EFFECT:
        table_name, col, label = _EFFECT[result.paradigm]
        if _PROBABILISTIC[0] in result.tables:
            table_name, col, label = _PROBABILISTIC
        t = result.tables.get(table_name, pd.DataFrame(columns=["participant", "session", col]))
        per = t.groupby(["participant", "session"], observed=True)[col].mean().rename("effect").reset_index()
        return per, col, label
    curves = result.tables.get("learning_curves")
    if curves is None or curves.empty:
        raise AnalysisInputError(f"no learning curve to compare for paradigm {result.paradigm!r}")
    unit, value = curve_axes(result.paradigm)
    o = curves.sort_values(["participant", "session", unit]).groupby(["participant", "session"], observed=True)[value]
    if result.paradigm == "ftt":
        per = (o.last() - o.first()).rename("effect").reset_index()
        return per, "gain_sequences", "Gain, last − first trial (sequences)"
    per = (o.first() - o.last()).rename("effect").reset_index()
    return per, "improvement_ms", "Improvement, first − last block (ms)"


def _common_session(people: pd.DataFrame, model: pd.DataFrame) -> tuple[list[str], str | None]:
    both = sorted(set(people["session"]) & set(model["session"]))
    if both:
        return both, None
    return [], (
        f"no session label in common (people {sorted(set(people['session']))}, model "
        f"{sorted(set(model['session']))}): each side's sessions pooled"
    )


def compare(
    people: str | Path | list | Dataset,
    model: str | Path | list | Dataset,
    out: str | Path | None = None,
    people_format: str = "auto",
    model_format: str = "auto",
    rules: CleaningRules | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    figures: bool = True,
    keep_apart: bool = False,
    prefixes: dict[str, str] | None = None,
) -> ComparisonResult:
    """Analyse people and model alike and compare them.

    Parameters
    ----------
    people, model : path(s) or Dataset
        The two data sets (any loadable format; normally motorseq BIDS runs).
    out : path, optional
        Save everything here.
    people_format, model_format : str
        Formats (``auto`` detects).
    rules : CleaningRules, optional
        Applied to both.
    seed : int
        Bootstrap seed (both analyses).
    n_boot : int
        Bootstrap resamples of the group curve fits.
    figures : bool
        Draw the figures.
    keep_apart : bool
        Several people folders whose participant labels repeat: prefix each with its folder's name
        (without it the same run in two folders is refused, naming both files).
    prefixes : dict, optional
        People folder → participant prefix (instead of the folder names).

    Returns
    -------
    ComparisonResult
    """
    p_data = (
        people
        if isinstance(people, Dataset)
        else load_dataset(people, people_format, keep_apart=keep_apart, prefixes=prefixes)
    )
    m_data = model if isinstance(model, Dataset) else load_dataset(model, model_format)
    if p_data.paradigm != m_data.paradigm:
        raise AnalysisInputError(
            f"{m_data.files[0] if m_data.files else 'model'}: paradigm {m_data.paradigm!r} differs from the "
            f"people's {p_data.paradigm!r}"
        )
    kw = dict(rules=rules, seed=seed, n_boot=n_boot, n_boot_participant=0, statistics=True, figures=figures)
    p_res, m_res = analyze(p_data, **kw), analyze(m_data, **kw)
    p_curves, m_curves = p_res.tables.get("learning_curves"), m_res.tables.get("learning_curves")
    if p_curves is None or m_curves is None or p_curves.empty or m_curves.empty:
        raise AnalysisInputError("no learning curves to compare (too few usable trials)")
    sessions, note = _common_session(p_curves, m_curves)
    if sessions:
        p_curves = p_curves[p_curves["session"].isin(sessions)]
        m_curves = m_curves[m_curves["session"].isin(sessions)]
    unit, value = curve_axes(p_data.paradigm)
    p_norm = group_summary(normalised_curves(p_curves, unit, value), "norm", [unit])
    m_norm = group_summary(normalised_curves(m_curves, unit, value), "norm", [unit])
    p_raw = group_summary(p_curves, value, [unit])[[unit, "mean"]].rename(columns={"mean": f"people_{value}"})
    m_raw = group_summary(m_curves, value, [unit])[[unit, "mean"]].rename(columns={"mean": f"model_{value}"})
    cols = [unit, "mean", "ci_low", "ci_high", "n"]
    curves = (
        p_norm[cols]
        .rename(columns=lambda c: c if c == unit else f"people_{c}")
        .merge(m_norm[cols].rename(columns=lambda c: c if c == unit else f"model_{c}"), on=unit)
        .merge(p_raw, on=unit)
        .merge(m_raw, on=unit)
    )
    if len(curves) < 2:
        raise AnalysisInputError(f"people and model share fewer than 2 {unit}s; cannot compare curves")
    diff = curves["model_mean"] - curves["people_mean"]
    rmse = float(np.sqrt(np.mean(diff**2)))
    rmse_raw = float(np.sqrt(np.mean((curves[f"model_{value}"] - curves[f"people_{value}"]) ** 2)))
    r = float(sps.pearsonr(curves["people_mean"], curves["model_mean"])[0]) if len(curves) > 2 else np.nan

    p_eff, name, label = effect_per_participant(p_res)
    m_eff, _, _ = effect_per_participant(m_res)
    if sessions:
        p_eff, m_eff = p_eff[p_eff["session"].isin(sessions)], m_eff[m_eff["session"].isin(sessions)]
    for side, eff, data in (("people", p_eff, p_data), ("model", m_eff, m_data)):
        if not eff["effect"].notna().any():  # the other side's row would be taken for this side's
            where = os.path.commonpath([str(f) for f in data.files]) if data.files else side
            kinds = set(data.trials["block_kind"].astype(str)) if "block_kind" in data.trials else set()
            why = " (their runs have no random block)" if data.paradigm == "srt" and "random" not in kinds else ""
            raise AnalysisInputError(
                f"{where}: the {side} side has no {name} per participant{why}; compare needs it on both sides"
            )
    p_eff = p_eff.groupby("participant")["effect"].mean().reset_index()
    m_eff = m_eff.groupby("participant")["effect"].mean().reset_index()
    effects = pd.concat(
        [
            group_summary(p_eff.assign(who="people"), "effect", ["who"]),
            group_summary(m_eff.assign(who="model"), "effect", ["who"]),
        ],
        ignore_index=True,
    )
    effects.insert(1, "measure", name)
    pe, me = effects.iloc[0], effects.iloc[1]
    ci_known = bool(np.isfinite(pe["ci_low"]) and np.isfinite(pe["ci_high"]) and pe["n"] >= 2)
    inside = bool(ci_known and pe["ci_low"] <= me["mean"] <= pe["ci_high"])
    where = ci_claim(float(me["mean"]), float(pe["ci_low"]), float(pe["ci_high"]), int(pe["n"]))
    welch = (
        sps.ttest_ind(p_eff["effect"], m_eff["effect"], equal_var=False) if len(m_eff) > 1 and len(p_eff) > 1 else None
    )
    welch_p = float(welch.pvalue) if welch is not None else np.nan
    summary_table = pd.DataFrame(
        [
            {"metric": "curve_rmse_normalised", "value": rmse, "note": f"relative to the first {unit}"},
            {"metric": f"curve_rmse_{value}", "value": rmse_raw, "note": f"group mean {value} per {unit}"},
            {"metric": "curve_pearson_r", "value": r, "note": "normalised group curves"},
            {
                "metric": f"people_{name}",
                "value": float(pe["mean"]),
                "note": f"95% CI [{pe['ci_low']:.2f}, {pe['ci_high']:.2f}], n = {int(pe['n'])}",
            },
            {
                "metric": f"model_{name}",
                "value": float(me["mean"]),
                "note": f"95% CI [{me['ci_low']:.2f}, {me['ci_high']:.2f}], n = {int(me['n'])}",
            },
            {
                "metric": "model_effect_within_people_ci",
                "value": float(inside) if ci_known else np.nan,
                "note": "1 = yes" if ci_known else where,
            },
            {
                "metric": "effect_difference_welch_p",
                "value": welch_p,
                "note": "Welch t test, people vs model",
            },
            {
                "metric": "blocks_compared",
                "value": float(len(curves)),
                "note": f"sessions {', '.join(sessions) or 'pooled'}",
            },
        ]
    )
    summary = [
        f"people: {p_data.trials['participant'].nunique()} participant(s); model: "
        f"{m_data.trials['participant'].nunique()} simulated participant(s); paradigm {p_data.paradigm}",
        f"normalised curves over {len(curves)} {unit}s: RMSE {rmse:.3f}, r = {r:.3f}; "
        f"raw RMSE {rmse_raw:.1f} ({value})",
        f"{name}: people {pe['mean']:.1f} [{pe['ci_low']:.1f}, {pe['ci_high']:.1f}] (n = {int(pe['n'])}), model "
        f"{me['mean']:.1f} [{me['ci_low']:.1f}, {me['ci_high']:.1f}] (n = {int(me['n'])}); the model's effect is "
        f"{where}; people vs model: Welch p = {'n/a' if not np.isfinite(welch_p) else f'{welch_p:.3g}'}",
    ] + ([note] if note else [])
    tables = {"compare_curves": curves, "compare_effects": effects, "compare_summary": summary_table}
    figs: dict[str, Any] = {}
    if figures:
        from motorseq.analysis import figures as fg

        figs["model_over_people"] = fg.model_over_people_figure(curves, unit, note=f"RMSE {rmse:.3f}, r = {r:.2f}")
        figs["effects_people_model"] = fg.effects_figure(effects, label)
    result = ComparisonResult(people=p_res, model=m_res, tables=tables, summary=summary, figures=figs)
    if out is not None:
        result.save(out)
    return result
