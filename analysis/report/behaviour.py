"""The behavioural results the report shows: one :class:`~motorseq.analysis.AnalysisResult`.

The report does not compute behaviour itself: it takes a saved analysis (``motorseq analyze
--out``, read back with :meth:`AnalysisResult.load`) or runs :func:`motorseq.analysis.analyze`
once on the data, so every number in it has the definition the analysis tables and the command
line use. :func:`headline` picks the paradigm's learning effect from those tables.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from motorseq.analysis.errors import AnalysisInputError

__all__ = [
    "Headline",
    "behaviour_result",
    "check_saved_inputs",
    "figure_images",
    "headline",
    "load_saved_analysis",
    "saved_data_name",
]

# paradigm's headline: (group table, per-participant table, effect column, tests table, words)
_HEADLINES = {
    "srt": (
        "srt_sequence_learning_group",
        "srt_sequence_learning",
        "sequence_effect_ms",
        "srt_sequence_tests",
        "sequence-specific effect (random − sequence blocks)",
    ),
    "srt-probabilistic": (
        "srt_probabilistic_learning_group",
        "srt_probabilistic_learning",
        "probabilistic_effect_ms",
        "srt_probabilistic_tests",
        "probabilistic learning (improbable − probable)",
    ),
    "asrt": (
        "asrt_triplet_learning_group",
        "asrt_triplet_learning",
        "triplet_effect_ms",
        "asrt_triplet_tests",
        "triplet learning (L − H)",
    ),
}


@dataclass
class Headline:
    """A paradigm's learning effect for the whole cohort, as the analysis defines it."""

    words: str
    mean: float
    ci_low: float
    ci_high: float
    n: int
    p: float
    per_participant: pd.DataFrame
    column: str

    def value(self) -> str:
        """``"62 ms"``, the text of the tile."""
        return "n/a" if not math.isfinite(self.mean) else f"{self.mean:.1f} ms"


def behaviour_result(
    root: str | Path | list[Path], quick: bool = False, keep_apart: bool = False, prefixes: dict | None = None
):
    """Run :func:`motorseq.analysis.analyze` once on a BIDS folder or several pooled (``quick``: fewer bootstraps)."""
    from motorseq.analysis import analyze

    paths = [str(p) for p in root] if isinstance(root, list) else str(root)
    pooling = {"keep_apart": keep_apart, "prefixes": prefixes}
    if quick:
        return analyze(paths, n_boot=50, n_boot_participant=0, **pooling)
    return analyze(paths, **pooling)


def _kind(result) -> str | None:
    if "srt_probabilistic_learning_group" in result.tables:
        return "srt-probabilistic"
    return result.paradigm if result.paradigm in _HEADLINES else None


def headline(result) -> Headline | None:
    """Pick the learning effect of the first session over all participants (``group == "all"``).

    The same row the analysis summary prints (``session 1: sequence-specific learning 62.0 ms
    [...] (n = 4)``), with its one-sample test's p; ``None`` for paradigms without one.
    """
    kind = _kind(result)
    if kind is None:
        return None
    group_name, per_name, column, tests_name, words = _HEADLINES[kind]
    group = result.tables.get(group_name, pd.DataFrame())
    if group.empty:
        return None
    rows = group[group["group"].astype(str) == "all"]
    if rows.empty:
        return None
    row = rows.iloc[0]
    session = str(row["session"])
    tests = result.tables.get(tests_name, pd.DataFrame())
    p = math.nan
    if not tests.empty and "p" in tests.columns:
        match = tests[tests["session"].astype(str) == session]
        if "epoch" in tests.columns and "epoch" in row.index:
            match = match[match["epoch"] == row["epoch"]]
        if not match.empty:
            p = float(match["p"].iloc[0])
    per = result.tables.get(per_name, pd.DataFrame())
    if not per.empty:
        per = per[per["session"].astype(str) == session]
        per = per.groupby("participant", observed=True)[column].mean().reset_index()
    where = f", epoch {int(row['epoch'])}" if "epoch" in row.index else ""
    return Headline(
        words=f"{words}, session {session}{where}",
        mean=float(row["mean"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        n=int(row["n"]),
        p=p,
        per_participant=per,
        column=column,
    )


def figure_images(result) -> dict[str, str]:
    """Give the analysis figures as base64 PNG: drawn now, or read from a saved analysis."""
    from motorseq.analysis.report.figures import figure_to_base64

    images: dict[str, str] = {}
    for name, fig in (getattr(result, "figures", {}) or {}).items():
        if hasattr(fig, "savefig"):
            images[name] = figure_to_base64(fig)
    for name, paths in (getattr(result, "figure_paths", {}) or {}).items():
        png = next((Path(p) for p in paths if str(p).endswith(".png")), None)
        if name not in images and png is not None and png.is_file():
            images[name] = base64.b64encode(png.read_bytes()).decode("ascii")
    return images


def load_saved_analysis(folder: str | Path) -> Any:
    """Read a saved ``motorseq analyze --out`` folder back (one-line error if it is not one)."""
    from motorseq.analysis.pipeline import AnalysisResult

    folder = Path(folder)
    if not (folder / "provenance.json").is_file():
        raise AnalysisInputError(f"{folder}: --analysis: not a saved analysis (provenance.json missing)")
    return AnalysisResult.load(folder)


def _recorded(path: str) -> Path:
    """Resolve a file a saved result recorded (a relative one against the working folder)."""
    return Path(path).resolve()


def _is_run(recorded: str, actual: set[Path]) -> bool:
    """Tell whether a recorded input file is one of ``actual`` (resolved paths).

    A relative record (``motorseq analyze`` given a relative folder) is matched against the
    working folder first, then by its trailing path parts.
    """
    if _recorded(recorded) in actual:
        return True
    if Path(recorded).is_absolute():
        return False
    parts = tuple(p for p in Path(recorded).parts if p not in (".", ""))
    return bool(parts) and ".." not in parts and any(a.parts[-len(parts) :] == parts for a in actual)


def _data_roots(files: list[str]) -> list[str]:
    """Give the data folders of recorded run files (the BIDS root of ``sub-*/ses-*/beh/`` runs), in order."""
    roots: list[str] = []
    for name in files:
        path = Path(name)
        bids = path.parent.name == "beh" and len(path.parents) > 3 and path.parents[2].name.startswith("sub-")
        root = str(path.parents[3] if bids else path.parent)
        if root not in roots:
            roots.append(root)
    return roots


def saved_data_name(analysis: Any = None, brain: Any = None) -> str:
    """Name the data of saved results from their provenance (``"srt_lesion"``), for the report's title.

    The folder names of the recorded input files (the analysis's, else the comparison's runs);
    ``"saved results"`` when neither recorded any.
    """
    files = (getattr(analysis, "provenance", None) or {}).get("files") or []
    files = files or (getattr(brain, "provenance", None) or {}).get("runs") or []
    roots = _data_roots([str(f) for f in files])
    return " + ".join(Path(r).name or r for r in roots) if roots else "saved results"


def check_saved_inputs(
    roots: list[Path],
    analysis: Any = None,
    analysis_dir: str | Path | None = None,
    brain: Any = None,
    brain_dir: str | Path | None = None,
) -> None:
    """Refuse saved results that were not made from the data the report is given.

    With data folders (``roots``): a saved analysis must have read exactly their runs
    (``*_beh.tsv``), and a saved brain comparison only their model runs. Without: a saved
    comparison given with a saved analysis must come from the analysis's runs.

    Raises
    ------
    AnalysisInputError
        One line naming the saved folder, one of its recorded inputs and the data given.
    """
    from motorseq.analysis.loaders.motorseq_bids import find_runs

    given = ", ".join(str(r) for r in roots)
    actual = {p.resolve() for p in find_runs(roots)} if roots else set()
    if analysis is not None:
        files = [str(f) for f in analysis.provenance.get("files") or []]
        where = f"--analysis {analysis_dir}"
        if roots and not files:
            raise AnalysisInputError(
                f"{where}: provenance.json records no input files, so it cannot be checked against RESULTS {given}"
            )
        if roots:
            extra = [f for f in files if not _is_run(f, actual)]
            if extra:
                raise AnalysisInputError(
                    f"{where}: made from {', '.join(_data_roots(extra))} ({extra[0]}), "
                    f"not from the RESULTS given ({given})"
                )
            covered = {a for a in actual if any(_is_run(f, {a}) for f in files)}
            left = sorted(actual - covered)
            if left:
                raise AnalysisInputError(
                    f"{where}: made from {len(files)} run(s) without {left[0]} of the RESULTS given ({given})"
                )
    if brain is not None:
        runs = [str(r) for r in brain.provenance.get("runs") or []]
        where = f"--brain {brain_dir}"
        if roots:
            against, what = actual, f"the RESULTS given ({given})"
        elif analysis is not None:
            files = [str(f) for f in analysis.provenance.get("files") or []]
            against = {_recorded(f) for f in files}
            what = f"the runs of --analysis {analysis_dir} ({', '.join(_data_roots(files)) or 'none recorded'})"
        else:
            return
        if not runs:
            raise AnalysisInputError(
                f"{where}: comparison_metrics.json records no model runs, so it cannot be checked against {what}"
            )
        extra = [r for r in runs if not (_is_run(r, against) or (not roots and r in files))]
        if extra:
            raise AnalysisInputError(
                f"{where}: made from {', '.join(_data_roots(extra))} ({extra[0]}), not from {what}"
            )
