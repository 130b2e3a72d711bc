"""Publication-quality figures (matplotlib, object API: no pyplot state, no display needed).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`save_figure` writes it as PNG
(300 dpi) and SVG. Colours are the Okabe & Ito (2008) colour-blind-safe palette; error bands
and bars are 95 % confidence intervals of the mean across participants.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from motorseq.analysis.measures import group_summary

__all__ = [
    "PALETTE",
    "save_figure",
    "learning_curve_figure",
    "sequence_vs_random_figure",
    "triplet_figure",
    "fits_figure",
    "model_over_people_figure",
    "effects_figure",
    "dsp_figure",
]

PALETTE = {
    "sequence": "#0072B2",
    "pattern": "#0072B2",
    "random": "#D55E00",
    "H": "#0072B2",
    "L": "#D55E00",
    "all": "#000000",
    "people": "#555555",
    "model": "#CC79A7",
    "exponential": "#009E73",
    "power": "#E69F00",
}
_CYCLE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.6,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "svg.fonttype": "none",
    "legend.frameon": False,
}


def _figure(
    ncols: int,
    nrows: int = 1,
    width: float = 3.2,
    height: float = 2.6,
    sharey: bool | str = False,
    width_ratios: list[float] | None = None,
) -> tuple[Figure, np.ndarray]:
    import matplotlib as mpl

    total = width * (sum(width_ratios) if width_ratios else ncols)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(total, height * nrows), layout="constrained")
        axes = fig.subplots(
            nrows,
            ncols,
            squeeze=False,
            sharey=sharey,
            gridspec_kw={"width_ratios": width_ratios} if width_ratios else None,
        )
    for ax in axes.flat:
        _tidy(ax)
    return fig, axes


def _tidy(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # blocks, epochs, trials, key presses
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(labelsize=8, width=0.8, length=3)
    ax.xaxis.label.set_size(9)
    ax.yaxis.label.set_size(9)
    ax.title.set_size(10)


def _legend(ax, **kw) -> None:
    kw.setdefault("fontsize", 8)
    ax.legend(frameon=False, handlelength=1.6, **kw)


def _panel_letter(ax, letter: str) -> None:
    ax.text(-0.16, 1.04, letter, transform=ax.transAxes, fontsize=11, fontweight="bold", va="bottom")


def save_figure(fig: Figure, path: str | Path) -> list[Path]:
    """Save ``fig`` as ``path.png`` (300 dpi) and ``path.svg``; return the two paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in (".png", ".svg"):
        target = path.with_suffix(ext)
        fig.savefig(target, dpi=300 if ext == ".png" else None, bbox_inches="tight", facecolor="white")
        out.append(target)
    return out


def _band(
    ax,
    x,
    summary: pd.DataFrame,
    color: str,
    label: str,
    marker: str = "o",
    alpha: float = 0.18,
    limits: tuple[float, float] | None = None,
) -> None:
    low, high = summary["ci_low"], summary["ci_high"]
    if limits is not None:  # e.g. accuracy: a t interval must not leave 0-100 %
        low, high = low.clip(*limits), high.clip(*limits)
    if len(summary) < 2:  # a lone point (one random block): an error bar, not a band
        ax.errorbar(
            x,
            summary["mean"],
            yerr=[summary["mean"] - low, high - summary["mean"]],
            fmt=marker,
            color=color,
            markersize=4,
            capsize=2.5,
            label=label,
        )
        return
    ax.fill_between(x, low, high, color=color, alpha=alpha, linewidth=0)
    ax.plot(x, summary["mean"], color=color, marker=marker, markersize=3, linewidth=1.3, label=label)


def _sequence_and_random(ax, table: pd.DataFrame, value: str, labels: dict[str, str]) -> None:
    """Plot sequence blocks as a CI band and random blocks as points with CIs, per block."""
    for kind in ("sequence", "random"):
        part = table[table["trial_type"] == kind]
        if part.empty:
            continue
        s = group_summary(part, value, ["block"])
        if kind == "sequence":
            _band(ax, s["block"], s, PALETTE[kind], labels[kind])
        else:
            ax.errorbar(
                s["block"],
                s["mean"],
                yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
                fmt="s",
                color=PALETTE[kind],
                markersize=5,
                capsize=2,
                label=labels[kind],
            )


def _sessions(table: pd.DataFrame) -> list[str]:
    return sorted(table["session"].unique(), key=lambda s: (len(str(s)), str(s)))


def learning_curve_figure(blocks: pd.DataFrame, unit: str = "block", split: str | None = "trial_type") -> Figure:
    """Median RT and accuracy per block (or epoch), mean ± 95 % CI across participants.

    Parameters
    ----------
    blocks : DataFrame
        Output of :func:`~motorseq.analysis.measures.block_summary` (or ``epoch_summary``).
    unit : str
        x column.
    split : str, optional
        Column drawn as separate lines (trial type).
    """
    sessions = _sessions(blocks)
    fig, axes = _figure(len(sessions), 2, width=3.0 if len(sessions) > 1 else 3.6, height=2.2, sharey="row")
    order = {"sequence": 0, "pattern": 0, "random": 1}
    levels = (
        sorted(blocks[split].unique(), key=lambda v: (order.get(str(v), 2), str(v)))
        if split and split in blocks.columns
        else [None]
    )
    for j, ses in enumerate(sessions):
        sub = blocks[blocks["session"] == ses]
        for k, level in enumerate(levels):
            part = sub if level is None else sub[sub[split] == level]
            color = PALETTE.get(str(level), _CYCLE[k % len(_CYCLE)])
            label = "all trials" if level is None else str(level)
            rt = group_summary(part, "median_rt_ms", [unit])
            _band(axes[0, j], rt[unit], rt, color, label, alpha=0.12)
            acc = group_summary(part.assign(acc_pct=100 * part["accuracy"]), "acc_pct", [unit])
            _band(axes[1, j], acc[unit], acc, color, label, alpha=0.12, limits=(0.0, 100.0))
        title = f"Session {ses}" if len(sessions) > 1 else None
        if title:
            axes[0, j].set_title(title, fontsize=10)
        axes[1, j].set_xlabel(unit.capitalize())
    axes[0, 0].set_ylabel("Median RT (ms)")
    axes[1, 0].set_ylabel("Accuracy (%)")
    _legend(axes[0, -1], loc="best")
    n = blocks["participant"].nunique()
    fig.suptitle(f"Learning curves (mean ± 95 % CI, n = {n})", fontsize=10)
    return fig


def sequence_vs_random_figure(blocks: pd.DataFrame, effects: pd.DataFrame) -> Figure:
    """SRT: RT per block with random blocks marked, and the sequence-specific effect.

    Parameters
    ----------
    blocks : DataFrame
        ``block_summary(..., split_trial_type=True)``.
    effects : DataFrame
        Output of :func:`~motorseq.analysis.measures.sequence_learning`.
    """
    n_random = max(1, effects["block"].nunique()) if not effects.empty else 1
    fig, axes = _figure(2, 1, width=3.4, height=2.7, width_ratios=[1.0, min(1.0, 0.3 + 0.2 * n_random)])
    ax = axes[0, 0]
    _sequence_and_random(ax, blocks, "median_rt_ms", {"sequence": "sequence blocks", "random": "random blocks"})
    ax.set_xlabel("Block")
    ax.set_ylabel("Median RT (ms)")
    _legend(ax, loc="best")
    _panel_letter(ax, "A")
    ax = axes[0, 1]
    if not effects.empty:
        per = effects.groupby(["participant", "block"], observed=True)["sequence_effect_ms"].mean().reset_index()
        s = group_summary(per, "sequence_effect_ms", ["block"])
        rng = np.random.default_rng(0)  # jitter of the dots only
        for i, blk in enumerate(s["block"]):
            vals = per.loc[per["block"] == blk, "sequence_effect_ms"]
            ax.scatter(i + rng.uniform(-0.15, 0.15, len(vals)), vals, s=8, color="#999999", alpha=0.6, linewidths=0)
        ax.errorbar(
            np.arange(len(s)),
            s["mean"],
            yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
            fmt="o",
            color="black",
            markersize=5,
            capsize=3,
        )
        ax.set_xticks(np.arange(len(s)), [f"Block {b}" for b in s["block"]])
        ax.set_xlim(-0.7, len(s) - 0.3)
    ax.axhline(0, color="black", linewidth=0.6, linestyle=":")
    ax.set_ylabel("Sequence-specific learning\n(random − sequence RT, ms)")
    _panel_letter(ax, "B")
    return fig


def triplet_figure(triplets: pd.DataFrame) -> Figure:
    """ASRT: RT on high- and low-frequency triplets per epoch, and the triplet effect (L − H).

    Parameters
    ----------
    triplets : DataFrame
        Output of :func:`~motorseq.analysis.measures.triplet_learning`.
    """
    sessions = _sessions(triplets)
    fig, axes = _figure(len(sessions), 2, width=2.8 if len(sessions) > 1 else 3.4, height=2.4, sharey="row")
    rng = np.random.default_rng(0)  # jitter of the dots only
    values = triplets["triplet_effect_ms"].dropna()
    span = (min(0.0, float(values.min())), max(0.0, float(values.max()))) if len(values) else (-1.0, 1.0)
    margin = 0.08 * (span[1] - span[0] or 1.0)
    for j, ses in enumerate(sessions):
        sub = triplets[triplets["session"] == ses]
        ax = axes[0, j]
        for t, label in (("H", "high-frequency"), ("L", "low-frequency")):
            s = group_summary(sub, f"rt_{t}_ms", ["epoch"])
            _band(ax, s["epoch"], s, PALETTE[t], label)
        ax.set_xticks(sorted(sub["epoch"].unique()))
        if len(sessions) > 1:
            ax.set_title(f"Session {ses}", fontsize=10)
        ax = axes[1, j]
        s = group_summary(sub, "triplet_effect_ms", ["epoch"])
        for _, row in s.iterrows():
            vals = sub.loc[sub["epoch"] == row["epoch"], "triplet_effect_ms"]
            ax.scatter(
                row["epoch"] + rng.uniform(-0.18, 0.18, len(vals)),
                vals,
                s=6,
                color="#AAAAAA",
                alpha=0.7,
                linewidths=0,
                zorder=1,
            )
        ax.bar(s["epoch"], s["mean"], width=0.6, color=PALETTE["L"], alpha=0.35, zorder=0)
        ax.errorbar(
            s["epoch"],
            s["mean"],
            yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
            fmt="o",
            color="black",
            markersize=4,
            capsize=3,
            zorder=2,
        )
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(sorted(sub["epoch"].unique()))
        ax.set_xlabel("Epoch")
        ax.set_ylim(span[0] - margin, span[1] + margin)
    axes[0, 0].set_ylabel("Median RT (ms)")
    axes[1, 0].set_ylabel("Triplet learning\nL − H (ms)")
    _legend(axes[0, -1], loc="upper right")
    _panel_letter(axes[0, 0], "A")
    _panel_letter(axes[1, 0], "B")
    n = triplets["participant"].nunique()
    fig.suptitle(f"Triplet learning (mean ± 95 % CI, n = {n})", fontsize=10)
    return fig


def fits_figure(
    curves: pd.DataFrame, groups: pd.DataFrame, unit: str = "block", ylabel: str = "Median RT (ms)"
) -> Figure:
    """Group learning curve with exponential and power-law fits.

    The band is the 95 % bootstrap CI (participants resampled) of the better model by AIC;
    each panel states the AIC difference.

    Parameters
    ----------
    curves, groups : DataFrame
        ``CurveFits.curves`` and ``CurveFits.groups``.
    unit, ylabel : str
        x column and y-axis label.
    """
    from motorseq.analysis.fits import predict

    keys = [c for c in ("session", "group", "source") if c in curves.columns]
    cells = curves[keys].drop_duplicates().to_dict("records") if keys else [{}]
    ncols = min(len(cells), 3)
    nrows = -(-len(cells) // ncols)
    fig, axes = _figure(ncols, nrows, width=3.0 if ncols > 1 else 3.8, height=2.4 if ncols > 1 else 2.8)
    for ax in axes.flat[len(cells) :]:
        ax.set_visible(False)
    for j, cell in enumerate(cells):
        ax = axes.flat[j]
        mask = np.ones(len(curves), dtype=bool)
        gmask = np.ones(len(groups), dtype=bool)
        for k, v in cell.items():
            mask &= (curves[k] == v).to_numpy()
            gmask &= (groups[k] == v).to_numpy()
        sub, gsub = curves[mask], groups[gmask]
        obs = sub[sub["model"] == sub["model"].iloc[0]]
        best = gsub.loc[gsub["best"], "model"].iloc[0] if gsub["best"].any() else "exponential"
        band = sub[sub["model"] == best]
        ax.fill_between(band[unit], band["band_low"], band["band_high"], color=PALETTE[best], alpha=0.15, linewidth=0)
        start = float(obs[unit].min())
        fine = np.linspace(start, float(obs[unit].max()), 200)
        for model in ("exponential", "power"):
            g = gsub[gsub["model"] == model]
            if len(g):  # smooth curve from the fitted parameters (x counts from the first block)
                y = predict(model, fine - start + 1.0, g["a"].iloc[0], g["b"].iloc[0], g["c"].iloc[0])
                ax.plot(fine, y, color=PALETTE[model], label=model, linewidth=1.5)
        ax.plot(obs[unit], obs["observed"], "o", color="black", markersize=3, label="group mean", zorder=3)
        other = gsub.loc[~gsub["best"], "delta_aic"]
        if len(other):
            rising = obs["observed"].iloc[-1] > obs["observed"].iloc[0]
            ax.text(
                0.97,
                0.05 if rising else 0.95,
                f"{best} better\nΔAIC = {other.iloc[0]:.1f}",
                transform=ax.transAxes,
                ha="right",
                va="bottom" if rising else "top",
                fontsize=7,
            )
        ax.set_xlabel(unit.capitalize())
        title = ", ".join(f"{k} {v}" for k, v in cell.items() if k != "source" and v != "all")
        ax.set_title(title[:1].upper() + title[1:] if title else "Group learning curve", fontsize=9)
        if j % ncols == 0:
            ax.set_ylabel(ylabel)
    from matplotlib.patches import Patch

    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(Patch(color="#999999", alpha=0.3, linewidth=0))
    labels.append("95 % bootstrap CI (better model)")
    fig.legend(
        handles, labels, loc="outside lower center", ncols=2 if len(cells) == 1 else 4, frameon=False, fontsize=8
    )
    fig.suptitle("Learning-curve fits", fontsize=10)
    return fig


def model_over_people_figure(curves: pd.DataFrame, unit: str = "block", note: str | None = None) -> Figure:
    """Model's normalised learning curve over the people's (mean ± 95 % CI).

    Parameters
    ----------
    curves : DataFrame
        ``unit, people_mean, people_ci_low, people_ci_high, model_mean, model_ci_low,
        model_ci_high`` (RT relative to the first block).
    """
    fig, axes = _figure(1, 1, width=3.6, height=2.8)
    ax = axes[0, 0]
    for who, marker in (("people", "o"), ("model", "s")):
        s = curves.rename(columns={f"{who}_mean": "mean", f"{who}_ci_low": "ci_low", f"{who}_ci_high": "ci_high"})
        _band(ax, s[unit], s, PALETTE[who], who, marker)
    ax.axhline(1.0, color="black", linewidth=0.6, linestyle=":")
    ax.set_xlabel(unit.capitalize())
    ax.set_ylabel(f"Relative to first {unit}")
    _legend(ax, loc="upper right")
    if note:
        ax.text(0.03, 0.04, note, transform=ax.transAxes, fontsize=8, va="bottom")
    return fig


def effects_figure(effects: pd.DataFrame, label: str) -> Figure:
    """Side-by-side effect (mean and 95 % CI) of people and model.

    Parameters
    ----------
    effects : DataFrame
        One row per ``who`` (people, model) with ``mean, ci_low, ci_high``.
    label : str
        y-axis label (e.g. ``"Triplet learning L − H (ms)"``).
    """
    fig, axes = _figure(1, 1, width=2.4, height=2.8)
    ax = axes[0, 0]
    x = np.arange(len(effects))
    people = effects[effects["who"] == "people"]
    if len(people):  # the people's CI as a band, to see whether the model falls inside it
        ax.axhspan(
            people["ci_low"].iloc[0], people["ci_high"].iloc[0], color=PALETTE["people"], alpha=0.12, linewidth=0
        )
    for i, row in enumerate(effects.itertuples()):
        ax.errorbar(
            i,
            row.mean,
            yerr=[[row.mean - row.ci_low], [row.ci_high - row.mean]],
            fmt="o",
            color=PALETTE.get(row.who, "black"),
            markersize=6,
            capsize=4,
        )
    ax.set_xticks(x, [f"{w}\n(n = {int(n)})" for w, n in zip(effects["who"], effects["n"], strict=True)])
    ax.set_xlim(-0.6, len(effects) - 0.4)
    ax.axhline(0, color="black", linewidth=0.6, linestyle=":")
    ax.set_ylabel(label)
    return fig


def dsp_figure(execution: pd.DataFrame, chunks: pd.DataFrame | None) -> Figure:
    """DSP: execution time per block (sequence vs random), and the inter-key-interval profile.

    Parameters
    ----------
    execution : DataFrame
        Output of :func:`~motorseq.analysis.skill_measures.dsp_execution`.
    chunks : DataFrame, optional
        Output of :func:`~motorseq.analysis.skill_measures.chunk_boundaries` (sequence trials).
    """
    fig, axes = _figure(2, 1, width=3.3, height=2.7)
    ax = axes[0, 0]
    per = (
        execution.groupby(["participant", "session", "block", "trial_type"], observed=True)["median_execution_ms"]
        .mean()
        .reset_index()
    )
    _sequence_and_random(ax, per, "median_execution_ms", {"sequence": "sequence", "random": "random"})
    ax.set_xlabel("Block")
    ax.set_ylabel("Execution time (ms)")
    _legend(ax, loc="upper right")
    _panel_letter(ax, "A")
    ax = axes[0, 1]
    if chunks is not None and not chunks.empty:
        per_pos = (
            chunks.groupby(["participant", "session", "position"], observed=True)
            .agg(iki=("median_iki_ms", "mean"), boundary=("boundary", "mean"))
            .reset_index()
        )
        s = group_summary(per_pos, "iki", ["position"])
        share = per_pos.groupby("position")["boundary"].mean()
        ax.bar(
            s["position"],
            s["mean"],
            color=[PALETTE["random"] if share[p] >= 0.5 else "#BBBBBB" for p in s["position"]],
            width=0.65,
        )
        ax.errorbar(
            s["position"],
            s["mean"],
            yerr=[s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]],
            fmt="none",
            color="black",
            capsize=3,
        )
        for p, v in zip(s["position"], s["ci_high"], strict=True):
            ax.text(p, v, f"{share[p]:.0%}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(s["position"], [f"{int(p)}→{int(p) + 1}" for p in s["position"]])
    ax.set_xlabel("Key-press interval")
    ax.set_ylabel("Median inter-key interval (ms)")
    ax.set_title("Chunk boundaries (red; % of participants)", fontsize=9)
    _panel_letter(ax, "B")
    return fig
