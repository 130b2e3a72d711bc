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
from motorseq.analysis.cleaning import FLAGS, CleaningRules, clean, cleaning_summary
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.fits import CurveFits, fit_learning_curves
from motorseq.analysis.loaders import Dataset, load_dataset
from motorseq.analysis.paradigms import paradigm_module
from motorseq.analysis.saved_tables import KIND_WORDS, column_kinds, read_saved_json, read_saved_table

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
            # the tables written, their rows and the kind of their number and yes/no columns: load() refuses
            # a folder that lost or cut a table or has a cell that is no longer of its column's kind
            # and the figures drawn: load() reads only these, not what an earlier analysis left in the folder
            written = {
                "tables": {name: len(table) for name, table in sorted(self.tables.items())},
                "table_columns": {name: column_kinds(table) for name, table in sorted(self.tables.items())},
                "figures": sorted(self.figure_paths),
            }
            text = json.dumps({**self.provenance, **written}, indent=2, default=str)
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
            ``out`` holds no saved analysis, or a damaged one (one line naming the file): bad JSON
            in ``provenance.json``, no ``tables/`` folder, a table missing (of those the provenance
            lists, or of ``cleaning``, ``block_summary``, ``epoch_summary`` in a folder saved before
            it listed them), a figure it lists missing, a table CSV that is empty, cut short, ragged
            or of another length than saved, or a cell that is not of its column's kind
            (``file:line: column``): a number column (as saved, or of the known ``cleaning``,
            ``block_summary`` and ``epoch_summary`` columns in a folder saved before the kinds were
            recorded) holding text, a count holding a blank or a fraction, a yes/no column holding
            anything but True/False. Also a saved ``motorseq compare`` folder (its ``people/`` and
            ``model/`` hold the analyses). Only the tables and figures the provenance lists are
            read: a file an earlier analysis left in the folder (written over with ``--force``) is
            not this analysis's.
        """
        out = Path(out)
        prov_file = out / "provenance.json"
        if not prov_file.is_file():
            raise AnalysisInputError(f"{out}: no saved analysis (provenance.json missing)")
        provenance = read_saved_json(prov_file, "a saved analysis's provenance")
        if {"people", "model"} <= set(provenance) and "paradigm" not in provenance:
            raise AnalysisInputError(
                f"{out}: a saved comparison of people and model (motorseq compare --out), not one analysis: "
                f"give its analysis of either side, {out / 'people'} or {out / 'model'}"
            )
        drawn = provenance.pop("figures", None)
        if drawn is not None and not (isinstance(drawn, list) and all(isinstance(n, str) for n in drawn)):
            raise AnalysisInputError(f"{prov_file}: field 'figures': expected a list of figure names")
        rows = provenance.pop("tables", None)
        if rows is not None and not (
            isinstance(rows, dict) and all(isinstance(n, int) and not isinstance(n, bool) for n in rows.values())
        ):
            raise AnalysisInputError(f"{prov_file}: field 'tables': expected table name -> number of rows")
        kinds = provenance.pop("table_columns", None)
        if kinds is not None and not (
            isinstance(kinds, dict)
            and all(isinstance(cols, dict) and all(k in KIND_WORDS for k in cols.values()) for cols in kinds.values())
        ):
            raise AnalysisInputError(
                f"{prov_file}: field 'table_columns': expected table name -> column -> one of {sorted(KIND_WORDS)}"
            )
        recorded = kinds is not None  # else saved before the kinds were recorded: the columns every analysis writes
        kinds = kinds if recorded else _KNOWN_KINDS
        folder = out / "tables"
        if not folder.is_dir():
            raise AnalysisInputError(f"{folder}: missing, so the saved analysis {out} has no tables")
        expected = rows if rows is not None else dict.fromkeys(["cleaning", "block_summary", "epoch_summary"])
        for name in expected:
            if not (folder / f"{name}.csv").is_file():
                raise AnalysisInputError(f"{folder / f'{name}.csv'}: missing from the saved analysis {out}")
        # the tables and figures saved (a CSV or figure an earlier analysis left in a --force'd folder is
        # not this analysis's); a folder saved before they were listed: every one there
        names = sorted(rows) if rows is not None else sorted(p.stem for p in folder.glob("*.csv"))
        tables = {
            name: read_saved_table(folder / f"{name}.csv", expected.get(name), kinds.get(name, {}), recorded)
            for name in names
        }
        pngs = [out / "figures" / f"{name}.png" for name in drawn] if drawn is not None else []
        if drawn is None:
            pngs = sorted((out / "figures").glob("*.png"))
        figure_paths = {}
        for png in pngs:
            if not png.is_file():
                raise AnalysisInputError(f"{png}: missing from the saved analysis {out}")
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


#: kinds of the columns of the tables every analysis writes (for folders saved before the kinds were recorded)
_RT_KINDS = {
    "mean_rt_ms": "number",
    "median_rt_ms": "number",
    "accuracy": "number",
    "n_rt": "int",
    "n_trials": "int",
}
_KNOWN_KINDS = {
    "cleaning": {
        "n_trials": "int",
        **{f"n_{flag.removeprefix('flag_')}": "int" for flag in FLAGS},
        "n_use_rt": "int",
        "pct_use_rt": "number",
    },
    "block_summary": {"block": "int", **_RT_KINDS},
    "epoch_summary": {"epoch": "int", **_RT_KINDS},
}


def compute_tables(
    data: Dataset,
    rules: CleaningRules | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    n_boot_participant: int = 200,
) -> tuple[dict[str, pd.DataFrame], CurveFits, pd.DataFrame]:
    """Clean, measure and fit: the fast core (no statistics, no figures).

    The paradigm's own tables come from its module (:mod:`motorseq.analysis.paradigms`).

    Returns
    -------
    tables : dict of str to DataFrame
    fits : CurveFits
    cleaned : DataFrame
        The trial table with the cleaning flags.
    """
    rules = rules or CleaningRules()
    cleaned = clean(data.trials, rules, warmup_trials=int(data.conventions.get("warmup_trials", 0)))
    module = paradigm_module(data.paradigm)
    tables: dict[str, pd.DataFrame] = {
        "cleaning": cleaning_summary(cleaned),
        "block_summary": ms.block_summary(cleaned, split_trial_type=True),
        "epoch_summary": ms.epoch_summary(cleaned, split_trial_type=module.EPOCH_BY_TRIAL_TYPE),
    }
    curves = module.learning_curves(cleaned, data)
    if curves is not None:
        tables["learning_curves"] = curves
    tables.update(module.tables(cleaned, data, seed, n_boot_participant))
    from motorseq.analysis.phase_tables import phase_tables  # learning phases (issue 17)

    tables.update(phase_tables(cleaned, data.paradigm, tables, data.presses))
    fits = CurveFits(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    curves = tables.get("learning_curves")
    unit, value = module.CURVE
    if curves is not None and not curves.empty and curves[unit].nunique() >= 4:
        fits = fit_learning_curves(curves, unit, value, n_boot=n_boot, n_boot_participant=n_boot_participant, seed=seed)
        tables["fits_participants"] = fits.participants
        tables["fits_groups"] = fits.groups
        tables["fits_curves"] = fits.curves
    return tables, fits, cleaned


def curve_axes(paradigm: str) -> tuple[str, str]:
    """X and y columns of the learning curve of a paradigm (FTT: correct sequences per trial)."""
    return paradigm_module(paradigm).CURVE


def _statistics(paradigm: str, tables: dict[str, pd.DataFrame]) -> None:
    tables.update(paradigm_module(paradigm).statistics(tables))


def _summary(paradigm: str, data: Dataset, tables: dict[str, pd.DataFrame], fits: CurveFits) -> list[str]:
    module = paradigm_module(paradigm)
    t = data.trials
    lines = [
        f"format {data.format}, paradigm {paradigm}: {t['participant'].nunique()} participant(s), "
        f"{t['session'].nunique()} session(s), {len(t)} trials",
    ]
    clean_tab = tables["cleaning"]
    if module.RT_MEASURE:
        lines.append(f"trials kept for RT analyses: {clean_tab['n_use_rt'].sum() / clean_tab['n_trials'].sum():.1%}")
    lines.extend(data.notes)
    lines.extend(module.summary(tables))
    from motorseq.analysis.stats import NOT_FITTED

    for name, table in tables.items():
        if name.endswith("_mixed_model") and len(table) and str(table["term"].iloc[0]).startswith(NOT_FITTED):
            lines.append(f"warning: {name}: {table['term'].iloc[0]}")
    from motorseq.analysis.phase_tables import phase_summary

    lines.extend(phase_summary(tables))
    if not fits.groups.empty:
        for r in fits.groups[fits.groups["best"]].itertuples():
            who = f", group {r.group}" if r.group != "all" else ""
            if str(getattr(r, "fit_status", "ok")).startswith(("failed", "not fitted")):
                lines.append(
                    f"session {r.session}{who}: group curve fit {r.model}: {r.fit_status}; "
                    "its parameters are not a result"
                )
                continue
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


def _figures(paradigm: str, tables: dict[str, pd.DataFrame], fits: CurveFits) -> dict[str, Any]:
    from motorseq.analysis import figures as fg

    module = paradigm_module(paradigm)
    figs: dict[str, Any] = dict(module.figures(tables))
    unit, _ = module.CURVE
    if not fits.curves.empty:
        figs["curve_fits"] = fg.fits_figure(fits.curves, fits.groups, unit, module.YLABEL)
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
    keep_apart: bool = False,
    prefixes: dict[str, str] | None = None,
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
    keep_apart : bool
        Several data folders whose participant labels repeat (one per laptop): each participant
        is prefixed with its folder's name; without it the same run in two folders is refused.
    prefixes : dict, optional
        Data folder → participant prefix (instead of the folder names; implies ``keep_apart``).

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
    pooling = {"keep_apart": keep_apart, "prefixes": prefixes}
    data = paths if isinstance(paths, Dataset) else load_dataset(paths, format, **pooling)
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
