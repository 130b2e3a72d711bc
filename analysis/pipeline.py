"""Analyse a data set end to end: load → clean → measures → fits → statistics → figures.

:func:`analyze` returns an :class:`AnalysisResult` that holds every table (name → DataFrame),
the figures, the cleaning rules and the provenance, and saves itself with :meth:`AnalysisResult.save`
(``tables/<name>.csv``, ``figures/<name>.png`` + ``.svg``, ``summary.txt``, ``provenance.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from motorseq.analysis import measures as ms
from motorseq.analysis.cleaning import CleaningRules, clean, cleaning_summary
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.fits import CurveFits, fit_learning_curves
from motorseq.analysis.loaders import Dataset, load_dataset

__all__ = ["AnalysisResult", "analyze", "compute_tables"]


def save_outputs(out: Path, tables: dict, figures: dict, summary: list[str]) -> dict[str, list[Path]]:
    """Write ``tables/*.csv``, ``figures/*`` (PNG, SVG) and ``summary.txt`` under ``out``.

    Returns
    -------
    dict
        Figure name → the files written.
    """
    from motorseq.analysis.figures import save_figure

    (out / "tables").mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out / "tables" / f"{name}.csv", index=False)
    paths = {name: save_figure(fig, out / "figures" / name) for name, fig in figures.items()}
    (out / "summary.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")
    return paths


@dataclass
class AnalysisResult:
    """Everything one analysis produced.

    Attributes
    ----------
    paradigm : str
        ``srt``, ``asrt``, ``dsp`` or ``ftt``.
    tables : dict of str to DataFrame
        Tidy tables, one per measure (names listed in ``summary``).
    figures : dict of str to Figure
        matplotlib figures (empty when figures were switched off).
    figure_paths : dict of str to list of Path
        The saved PNG and SVG of each figure (filled by :meth:`save`).
    fits : CurveFits
        Learning-curve fits.
    summary : list of str
        A short human-readable summary.
    provenance : dict
        Inputs, format, rules, seed, notes.
    """

    paradigm: str
    tables: dict[str, pd.DataFrame]
    fits: CurveFits
    summary: list[str]
    provenance: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    figure_paths: dict[str, list[Path]] = field(default_factory=dict)

    def save(self, out: str | Path) -> Path:
        """Write tables (CSV), figures (PNG, SVG), ``summary.txt`` and ``provenance.json``.

        Existing files of the same name in ``out`` are replaced; nothing else is touched.
        """
        out = Path(out)
        try:
            self.figure_paths.update(save_outputs(out, self.tables, self.figures, self.summary))
            text = json.dumps(self.provenance, indent=2, default=str)
            (out / "provenance.json").write_text(text, encoding="utf-8")
        except OSError as error:
            raise AnalysisInputError(
                f"{error.filename or out}: cannot write the results: {error.strerror or error}"
            ) from None
        return out

    @classmethod
    def load(cls, out: str | Path) -> AnalysisResult:
        """Read a saved analysis back (tables, figure paths, summary, provenance; no Figure objects).

        Raises
        ------
        AnalysisInputError
            ``out`` holds no saved analysis.
        """
        out = Path(out)
        if not (out / "provenance.json").is_file():
            raise AnalysisInputError(f"{out}: no saved analysis (provenance.json missing)")
        provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
        tables = {
            p.stem: pd.read_csv(p, dtype={"participant": str, "session": str, "group": str})
            for p in sorted((out / "tables").glob("*.csv"))
        }
        figure_paths = {}
        for png in sorted((out / "figures").glob("*.png")):
            figure_paths[png.stem] = [png] + ([png.with_suffix(".svg")] if png.with_suffix(".svg").is_file() else [])
        fits = CurveFits(
            tables.get("fits_participants", pd.DataFrame()),
            tables.get("fits_groups", pd.DataFrame()),
            tables.get("fits_curves", pd.DataFrame()),
        )
        summary = (
            (out / "summary.txt").read_text(encoding="utf-8").splitlines() if (out / "summary.txt").is_file() else []
        )
        return cls(
            paradigm=provenance.get("paradigm", "unknown"),
            tables=tables,
            fits=fits,
            summary=summary,
            provenance=provenance,
            figure_paths=figure_paths,
        )


def compute_tables(
    data: Dataset,
    rules: CleaningRules | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    n_boot_participant: int = 200,
) -> tuple[dict[str, pd.DataFrame], CurveFits, pd.DataFrame]:
    """Clean, measure and fit: the fast core (no statistics, no figures).

    Returns
    -------
    tables : dict of str to DataFrame
    fits : CurveFits
    cleaned : DataFrame
        The trial table with the cleaning flags.
    """
    rules = rules or CleaningRules()
    cleaned = clean(data.trials, rules, warmup_trials=int(data.conventions.get("warmup_trials", 0)))
    paradigm = data.paradigm
    tables: dict[str, pd.DataFrame] = {
        "cleaning": cleaning_summary(cleaned),
        "block_summary": ms.block_summary(cleaned, split_trial_type=True),
        "epoch_summary": ms.epoch_summary(cleaned, split_trial_type=paradigm == "asrt"),
    }
    if paradigm in ("srt", "asrt", "dsp"):
        trial_type = "sequence" if paradigm in ("srt", "dsp") else None
        if paradigm == "dsp":
            curves = _dsp_curves(cleaned)
        else:
            curves = ms.learning_curves(cleaned, "block", trial_type=trial_type)
        tables["learning_curves"] = curves
    if paradigm == "srt":
        seq = ms.sequence_learning(cleaned, n_boot=n_boot_participant, seed=seed)
        tables["srt_sequence_learning"] = seq
        per = seq.groupby(ms.ID_COLUMNS, observed=True)["sequence_effect_ms"].mean().reset_index()
        tables["srt_sequence_learning_group"] = _by_group(per, "sequence_effect_ms", ["session"])
    elif paradigm == "asrt":
        trip = ms.triplet_learning(cleaned)
        tables["asrt_triplet_learning"] = trip
        tables["asrt_triplet_learning_group"] = _by_group(trip, "triplet_effect_ms", ["session", "epoch"])
        skill = ms.general_skill(cleaned)
        tables["asrt_general_skill"] = skill
        tables["asrt_general_skill_group"] = _by_group(skill, "speedup_ms", ["session", "epoch"])
    elif paradigm == "dsp":
        from motorseq.analysis.skill_measures import chunk_boundaries, dsp_execution, inter_key_intervals

        tables["dsp_execution"] = dsp_execution(cleaned)
        if data.presses is not None:
            ikis = inter_key_intervals(data.presses, cleaned)
            tables["dsp_inter_key_intervals"] = ikis
            tables["dsp_chunk_boundaries"] = chunk_boundaries(ikis[ikis["trial_type"] == "sequence"])
    elif paradigm == "ftt":
        from motorseq.analysis.skill_measures import ftt_performance

        per_trial, gain = ftt_performance(cleaned)
        tables["ftt_per_trial"] = per_trial
        tables["ftt_gain"] = gain
        order = per_trial.groupby(ms.ID_COLUMNS, sort=False, observed=True).cumcount() + 1
        tables["learning_curves"] = per_trial[ms.ID_COLUMNS + ["n_correct_sequences"]].assign(trial=order.to_numpy())
    from motorseq.analysis.phase_tables import phase_tables  # learning phases (issue 17)

    tables.update(phase_tables(cleaned, paradigm, tables, data.presses))
    fits = CurveFits(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    curves = tables.get("learning_curves")
    unit, value = curve_axes(paradigm)
    if curves is not None and not curves.empty and curves[unit].nunique() >= 4:
        fits = fit_learning_curves(curves, unit, value, n_boot=n_boot, n_boot_participant=n_boot_participant, seed=seed)
        tables["fits_participants"] = fits.participants
        tables["fits_groups"] = fits.groups
        tables["fits_curves"] = fits.curves
    return tables, fits, cleaned


def _by_group(table: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """Group summary over all participants (``group == "all"``) and, if there are groups, per group."""
    overall = ms.group_summary(table, value, by).assign(group="all")
    if table["group"].nunique() > 1:
        per = ms.group_summary(table, value, ["group"] + by)
        overall = pd.concat([overall, per], ignore_index=True)
    cols = ["group"] + by
    return overall[cols + [c for c in overall.columns if c not in cols]]


def curve_axes(paradigm: str) -> tuple[str, str]:
    """X and y columns of the learning curve of a paradigm (FTT: correct sequences per trial)."""
    return ("trial", "n_correct_sequences") if paradigm == "ftt" else ("block", "rt_ms")


def _dsp_curves(cleaned: pd.DataFrame) -> pd.DataFrame:
    rows = cleaned[cleaned["use_accuracy"] & (cleaned["correct"] == 1) & (cleaned["trial_type"] == "sequence")]
    g = rows.groupby(ms.ID_COLUMNS + ["block"], sort=True, observed=True)["execution_time_ms"].median()
    return g.rename("rt_ms").reset_index()


def _statistics(paradigm: str, tables: dict[str, pd.DataFrame]) -> None:
    from motorseq.analysis import stats

    if paradigm == "asrt":
        trip = tables["asrt_triplet_learning"]
        tables["asrt_triplet_tests"] = stats.effect_tests(trip, "triplet_effect_ms", ["session", "epoch"])
        per_session = trip.groupby(["participant", "session"], observed=True)["triplet_effect_ms"].mean().reset_index()
        tables["asrt_triplet_tests_session"] = stats.effect_tests(per_session, "triplet_effect_ms", ["session"])
        long = trip.melt(
            id_vars=ms.ID_COLUMNS + ["epoch"],
            value_vars=["rt_H_ms", "rt_L_ms"],
            var_name="triplet_type",
            value_name="rt_ms",
        )
        long["triplet_type"] = long["triplet_type"].str[3]
        frames = []
        for ses, sub in long.groupby("session", sort=True):
            table = stats.rm_anova(sub, "rt_ms", ["epoch", "triplet_type"])
            if not table.empty:
                frames.append(table.assign(session=ses))
        if frames:
            tables["asrt_rm_anova"] = pd.concat(frames, ignore_index=True)
        if long["group"].nunique() > 1:
            tables["asrt_mixed_model"] = stats.mixed_model(
                long[["participant", "rt_ms", "epoch", "triplet_type", "group", "session"]],
                "rt_ms ~ C(session) + C(epoch) * C(triplet_type) * C(group)",
            )
    elif paradigm == "srt":
        seq = tables["srt_sequence_learning"]
        per = seq.groupby(ms.ID_COLUMNS, observed=True)["sequence_effect_ms"].mean().reset_index()
        tables["srt_sequence_tests"] = stats.effect_tests(per, "sequence_effect_ms", ["session"])
        blocks = tables["block_summary"]
        seq_blocks = blocks[blocks["trial_type"] == "sequence"]
        if seq_blocks["block"].nunique() > 1:
            tables["srt_rm_anova"] = stats.rm_anova(seq_blocks, "median_rt_ms", ["block"])
        if blocks["group"].nunique() > 1 and blocks["trial_type"].nunique() > 1:
            tables["srt_mixed_model"] = stats.mixed_model(
                blocks[["participant", "median_rt_ms", "block", "trial_type", "group"]],
                "median_rt_ms ~ block + C(trial_type) * C(group)",
            )
    elif paradigm == "ftt":
        tables["ftt_gain_tests"] = stats.effect_tests(tables["ftt_gain"], "gain", ["session"])


def _summary(paradigm: str, data: Dataset, tables: dict[str, pd.DataFrame], fits: CurveFits) -> list[str]:
    t = data.trials
    lines = [
        f"format {data.format}, paradigm {paradigm}: {t['participant'].nunique()} participant(s), "
        f"{t['session'].nunique()} session(s), {len(t)} trials",
    ]
    clean_tab = tables["cleaning"]
    if paradigm != "ftt":
        lines.append(f"trials kept for RT analyses: {clean_tab['n_use_rt'].sum() / clean_tab['n_trials'].sum():.1%}")
    lines.extend(data.notes)
    if paradigm == "asrt":
        g = tables["asrt_triplet_learning_group"]
        for ses, sub in g[g["group"] == "all"].groupby("session", sort=True):
            effects = ", ".join(
                f"e{int(r.epoch)} {r.mean:.1f} [{r.ci_low:.1f}, {r.ci_high:.1f}]" for r in sub.itertuples()
            )
            lines.append(f"session {ses}: triplet effect L−H (ms) {effects}")
        s = tables["asrt_general_skill_group"]
        for ses, sub in s[s["group"] == "all"].groupby("session", sort=True):
            last = sub.iloc[-1]
            lines.append(
                f"session {ses}: general skill, RT epoch 1 − epoch {int(last.epoch)} = "
                f"{last['mean']:.1f} ms [{last.ci_low:.1f}, {last.ci_high:.1f}]"
            )
    if paradigm == "srt":
        g = tables["srt_sequence_learning_group"]
        for r in g[g["group"] == "all"].itertuples():
            lines.append(
                f"session {r.session}: sequence-specific learning {r.mean:.1f} ms "
                f"[{r.ci_low:.1f}, {r.ci_high:.1f}] (n = {r.n})"
            )
    if paradigm == "dsp":
        curves = tables["learning_curves"]
        by_block = curves.groupby("block", observed=True)["rt_ms"].mean()
        if len(by_block) > 1:
            lines.append(
                f"sequence execution time: block {by_block.index[0]} {by_block.iloc[0]:.0f} ms -> "
                f"block {by_block.index[-1]} {by_block.iloc[-1]:.0f} ms (group mean of medians)"
            )
        chunks = tables.get("dsp_chunk_boundaries")
        if chunks is not None and not chunks.empty:
            share = chunks.groupby("position", observed=True)["boundary"].mean()
            lines.append(
                "chunk boundaries (share of participant x sequence): "
                + ", ".join(f"IKI {int(k)}: {v:.0%}" for k, v in share.items())
            )
    if paradigm == "ftt":
        gain = tables["ftt_gain"]
        lines.append(f"FTT gain (last − first trials): {gain['gain'].mean():.2f} correct sequences")
    from motorseq.analysis.phase_tables import phase_summary

    lines.extend(phase_summary(tables))
    if not fits.groups.empty:
        for r in fits.groups[fits.groups["best"]].itertuples():
            who = f", group {r.group}" if r.group != "all" else ""
            lines.append(
                f"session {r.session}{who}: group curve best fit {r.model} (rate {r.c:.3f} "
                f"[{r.c_ci_low:.3f}, {r.c_ci_high:.3f}], ΔAIC to the other "
                f"{_delta(fits.groups, r):.1f})"
                + (
                    "; rate at a search bound (near-linear or step-like curve): not identified"
                    if r.rate_at_bound
                    else ""
                )
            )
        best = fits.participants[fits.participants["best"]]["model"].value_counts()
        lines.append("participant curves best fit: " + ", ".join(f"{k} {v}" for k, v in best.items()))
    return lines


def _delta(groups: pd.DataFrame, row) -> float:
    same = (groups["session"] == row.session) & (groups["group"] == row.group) & (groups["model"] != row.model)
    return float(groups.loc[same, "delta_aic"].min()) if same.any() else float("nan")


_YLABEL = {"dsp": "Median execution time (ms)", "ftt": "Correct sequences per trial"}


def _figures(paradigm: str, tables: dict[str, pd.DataFrame], fits: CurveFits) -> dict[str, Any]:
    from motorseq.analysis import figures as fg

    figs: dict[str, Any] = {}
    if paradigm in ("srt", "asrt"):
        figs["learning_curves"] = fg.learning_curve_figure(tables["block_summary"], "block", "trial_type")
    if paradigm == "srt":
        figs["sequence_vs_random"] = fg.sequence_vs_random_figure(
            tables["block_summary"], tables["srt_sequence_learning"]
        )
    if paradigm == "asrt":
        figs["triplet_effects"] = fg.triplet_figure(tables["asrt_triplet_learning"])
    if paradigm == "dsp":
        figs["dsp_execution_chunks"] = fg.dsp_figure(tables["dsp_execution"], tables.get("dsp_chunk_boundaries"))
    unit, value = curve_axes(paradigm)
    if not fits.curves.empty:
        figs["curve_fits"] = fg.fits_figure(fits.curves, fits.groups, unit, _YLABEL.get(paradigm, "Median RT (ms)"))
    return figs


def _check_counts(**counts: int) -> None:
    """Bootstrap counts and seed: ``n_boot`` at least 1, the others at least 0."""
    for name, value in counts.items():
        low = 1 if name == "n_boot" else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            option = "--" + name.replace("_", "-")
            raise AnalysisInputError(f"{option}: must be a whole number ≥ {low}, got {value!r}")


def analyze(
    paths: str | Path | list[str | Path] | Dataset,
    out: str | Path | None = None,
    format: str = "auto",
    rules: CleaningRules | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    n_boot_participant: int = 200,
    statistics: bool = True,
    figures: bool = True,
    paradigm: str | None = None,
) -> AnalysisResult:
    """Analyse a data set end to end.

    Parameters
    ----------
    paths : path, list of paths, or Dataset
        The data (see :func:`~motorseq.analysis.loaders.load_dataset`).
    out : path, optional
        Save tables, figures and summary here.
    format : str
        ``auto``, a format name or a mapping YAML.
    rules : CleaningRules, optional
        Cleaning rules (defaults documented in :mod:`motorseq.analysis.cleaning`).
    seed : int
        Seed of the bootstrap.
    n_boot, n_boot_participant : int
        Bootstrap resamples for group and participant curve fits.
    statistics, figures : bool
        Run the group statistics / draw the figures.
    paradigm : str, optional
        Analyse only the trials of this paradigm. Data that mix paradigms are refused without
        it: each paradigm has its own measures, so each is analysed on its own.

    Returns
    -------
    AnalysisResult

    Raises
    ------
    AnalysisInputError
        Unusable data or options (one line naming the file or option), or data that mix
        paradigms when ``paradigm`` is not given.
    """
    _check_counts(n_boot=n_boot, n_boot_participant=n_boot_participant, seed=seed)
    data = paths if isinstance(paths, Dataset) else load_dataset(paths, format)
    if data.trials.empty:
        raise AnalysisInputError(f"{data.files[0] if data.files else 'input'}: no trials")
    if paradigm is not None:
        data = data.only(paradigm)
    rules = rules or CleaningRules()
    tables, fits, _ = compute_tables(data, rules, seed, n_boot, n_boot_participant)
    paradigm = data.paradigm
    if statistics:
        _statistics(paradigm, tables)
    result = AnalysisResult(
        paradigm=paradigm,
        tables=tables,
        fits=fits,
        summary=_summary(paradigm, data, tables, fits),
        provenance={
            "files": [str(p) for p in data.files],
            "format": data.format,
            "paradigm": paradigm,
            "rules": rules.describe(),
            "seed": seed,
            "n_boot": n_boot,
            "n_boot_participant": n_boot_participant,
            "notes": data.notes,
            "conventions": data.conventions,
        },
        figures=_figures(paradigm, tables, fits) if figures else {},
    )
    if out is not None:
        result.save(out)
    return result
