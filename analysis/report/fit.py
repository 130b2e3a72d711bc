"""The report's "Fit" section: the tables ``motorseq fit`` wrote, with recovery and predictive-check figures.

Reads only the CSV tables of a fit folder (no torch, no model), so the report needs neither.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..saved_tables import read_saved_table
from .figures import _plt, figure_to_base64
from .html import Section

__all__ = ["fit_section", "predictive_figure", "recovery_figure"]


def recovery_figure(recovered: pd.DataFrame):
    """Plot the true value against the posterior mean (90 % interval) of each held-back simulation, per parameter."""
    plt = _plt()
    names = list(dict.fromkeys(recovered["parameter"]))
    cols = min(4, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        sub = recovered[recovered["parameter"] == name]
        ax.errorbar(sub["true"], sub["mean"], yerr=[sub["mean"] - sub["q05"], sub["q95"] - sub["mean"]],
                    fmt="o", ms=3, alpha=0.6, elinewidth=0.6)  # fmt: skip
        lo, hi = float(min(sub["true"].min(), sub["q05"].min())), float(max(sub["true"].max(), sub["q95"].max()))
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("true")
        ax.set_ylabel("posterior mean")
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def predictive_figure(bands: pd.DataFrame, max_people: int = 12):
    """Plot each person's block curve over the 90 % posterior predictive band (the first ``max_people``)."""
    plt = _plt()
    people = list(dict.fromkeys(zip(bands["participant"].astype(str), bands["session"].astype(str), strict=True)))
    people = people[:max_people]
    cols = min(4, len(people))
    rows = int(np.ceil(len(people) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.6 * rows), squeeze=False, sharex=True)
    for ax, (pid, ses) in zip(axes.flat, people, strict=False):
        sub = bands[(bands["participant"].astype(str) == pid) & (bands["session"].astype(str) == ses)]
        ax.fill_between(sub["block"], sub["low"], sub["high"], color="#1f77b4", alpha=0.25, label="90% band")
        ax.plot(sub["block"], sub["median"], color="#1f77b4", lw=1)
        ax.plot(sub["block"], sub["observed"], "o-", color="black", ms=3, lw=1, label="person")
        hits = sub["inside"].dropna()
        verdict = f"{hits.astype(float).mean():.0%} inside" if len(hits) else "not assessed"
        ax.set_title(f"sub-{pid} ses-{ses} ({verdict})", fontsize=9)
        ax.set_xlabel("learning block")
        ax.set_ylabel("median RT (ms)")
    for ax in list(axes.flat)[len(people) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    """Read one of ``motorseq fit``'s tables, if there; a cut or ragged file is refused, naming it."""
    path = folder / name
    return read_saved_table(path, None) if path.is_file() else None


def fit_section(folder: str | Path, max_table_rows: int = 12) -> Section:
    """Build the "Fit" section from a ``motorseq fit`` output folder.

    Parameters
    ----------
    folder : path
        ``--out`` of ``motorseq fit`` (``posterior_summary.csv``, ``predictive_check.csv``,
        ``recovery.csv``, ``recovery_draws.csv``, ``information.csv``, ``group_recovery.csv``,
        ``group_differences.csv``, ``group_posteriors.csv``,
        ``summary.txt``).
    max_table_rows : int
        Rows shown of the per-person table.
    """
    folder = Path(folder)
    section = Section("Fit", "fit")
    summary_txt = folder / "summary.txt"
    if summary_txt.is_file():
        for line in summary_txt.read_text(encoding="utf-8").splitlines():
            section.text(line, "note")
    recovery = _read(folder, "recovery.csv")
    if recovery is not None:
        section.table(recovery.set_index("parameter").round(3),
                      "Parameter recovery on held-back bank simulations: r(true, posterior mean), 90% interval "
                      "coverage, SBC uniformity p, posterior contraction.")  # fmt: skip
    grouped = _read(folder, "group_recovery.csv")
    if grouped is not None and not grouped.empty:
        section.table(grouped.set_index("parameter").round(3),
                      "Recovery of a value a group shares: pseudo-groups of held-back simulations that are "
                      "neighbours in true value; r(true, group posterior mean), 90% interval coverage, mean "
                      "interval width on the prior's unit axis.")  # fmt: skip
    information = _read(folder, "information.csv")
    if information is not None and not information.empty:
        section.table(information.set_index("statistic").round(2),
                      "Which statistic carries information about which parameter: Spearman correlation of each "
                      "statistic with each parameter across the bank (strongest: the parameter with the largest "
                      "|rho|; missing: share of simulations without the statistic).")  # fmt: skip
    draws = _read(folder, "recovery_draws.csv")
    if draws is not None and not draws.empty:
        section.figure(figure_to_base64(recovery_figure(draws)),
                       "Recovery: true value against posterior mean and 90% interval.", "fig-fit-recovery")  # fmt: skip
    posterior = _read(folder, "posterior_summary.csv")
    if posterior is not None and not posterior.empty:
        wide = posterior.assign(
            value=[f"{m:.3g} [{lo:.3g}, {hi:.3g}]" for m, lo, hi in zip(posterior["mean"], posterior["q05"],
                                                                         posterior["q95"], strict=True)]
        ).pivot_table(index=["participant", "session", "group"], columns="parameter", values="value",
                      aggfunc="first")  # fmt: skip
        section.table(wide.head(max_table_rows),
                      f"Posterior mean [90% interval] per person (first {min(max_table_rows, len(wide))} of "
                      f"{len(wide)}; all in posterior_summary.csv).")  # fmt: skip
    bands = _read(folder, "predictive_check.csv")
    if bands is not None and not bands.empty:
        section.figure(figure_to_base64(predictive_figure(bands)),
                       "Posterior predictive check: the person's block curve (black) and the model's 90% band.",
                       "fig-fit-predictive")  # fmt: skip
    groups = _read(folder, "group_differences.csv")
    if groups is not None and not groups.empty:
        section.table(groups.set_index("parameter").round(4), "Posterior means compared between groups.")
    shared = _read(folder, "group_posteriors.csv")
    if shared is not None and not shared.empty:
        section.table(shared.set_index(["group", "session", "parameter"]).round(4),
                      "The value each group shares (fit --shared): one posterior per group from all its "
                      "members' posteriors; meaningful only if the members do share it.")  # fmt: skip
    return section
