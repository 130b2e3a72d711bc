"""Loading trial data: motorseq's BIDS runs and other tools' exports, with format detection.

========================= ==============================================================
format                    what it reads
========================= ==============================================================
``motorseq``              motorseq BIDS runs (``*_beh.tsv`` + sidecars), people or model
``jspsych-asrt``          jsPsych ASRT export (one row per key press, rt in ms)
``psychopy-asrt``         PsychoPy ASRT logger (one row per key press, seconds)
``eprime-srt``            E-Prime SRT export (one row per trial, ``RT`` ms, ``ACC``)
``psychopy-builder``      PsychoPy Builder CSV of an SRT (loop counters, ``<key>.keys/.rt/.corr``)
``MAPPING.yaml``          any CSV/TSV through a column mapping
========================= ==============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders.common import Dataset

__all__ = ["Dataset", "FORMATS", "detect_format", "load_dataset"]

FORMATS = ("motorseq", "jspsych-asrt", "psychopy-asrt", "eprime-srt", "psychopy-builder")


def _quick_header(path: Path) -> list[str]:
    import pandas as pd
    from motorseq.analysis.loaders.common import _sniff_encoding

    name = path.name.lower().removesuffix(".gz")
    sep = "\t" if name.endswith((".tsv", ".txt")) else ","
    from motorseq.analysis.loaders.common import UNREADABLE, describe_read_error

    try:
        enc = "utf-8" if path.name.lower().endswith(".gz") else _sniff_encoding(path)
        return [str(c).strip() for c in pd.read_csv(path, sep=sep, encoding=enc, nrows=5).columns]
    except UNREADABLE as exc:
        raise AnalysisInputError(f"{path}: cannot be read as a table: {describe_read_error(exc)}") from None


def detect_format(path: str | Path) -> str:
    """Name the format of a file or folder (one of :data:`FORMATS`).

    Raises
    ------
    AnalysisInputError
        The columns match no known format.
    """
    from motorseq.analysis.loaders import eprime_srt, jspsych_asrt, psychopy_asrt, psychopy_builder

    path = Path(path)
    if not path.exists():
        raise AnalysisInputError(f"{path}: no such file or folder")
    if path.is_dir() or path.name.endswith("_beh.tsv"):
        return "motorseq"
    columns = _quick_header(path)
    if all(c in columns for c in jspsych_asrt.SIGNATURE):
        return "jspsych-asrt"
    if all(c in columns for c in psychopy_asrt.SIGNATURE):
        return "psychopy-asrt"
    if psychopy_builder.is_builder_export(columns):
        return "psychopy-builder"
    if all(eprime_srt.find_column(columns, c) for c in eprime_srt.SIGNATURE):
        return "eprime-srt"
    shown = ", ".join(columns[:10]) + (", ..." if len(columns) > 10 else "")
    raise AnalysisInputError(
        f"{path}: format not recognised from its columns ({shown}); give --format "
        f"({'|'.join(FORMATS)}) or a mapping YAML"
    )


def load_dataset(
    paths: str | Path | list[str | Path],
    format: str = "auto",
    keep_apart: bool = False,
    prefixes: Mapping[str | Path, str] | None = None,
) -> Dataset:
    """Load trial data from files or folders.

    Parameters
    ----------
    paths : path or list of paths
        Files or folders (``motorseq``: dataset folders or ``*_beh.tsv`` files).
    format : str
        ``"auto"`` (detect from the first path), one of :data:`FORMATS`, or the path of a
        column-mapping YAML (see :mod:`motorseq.analysis.loaders.mapping`).
    keep_apart : bool
        ``motorseq`` data from several folders: prefix each participant with its folder's name
        (folders from several laptops whose labels repeat); without it a clash is refused, naming the files.
    prefixes : mapping, optional
        ``motorseq`` data: folder → participant prefix, instead of the folder names (implies ``keep_apart``).

    Returns
    -------
    Dataset
        ``trials`` (tidy table, ms), ``presses`` (DSP), ``format``, ``files``, ``notes``.

    Raises
    ------
    AnalysisInputError
        Unknown format, unreadable file, or a column that does not fit (one line, naming
        the file and the column).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise AnalysisInputError("no input paths given")
    for path in paths:
        if not path.exists():
            raise AnalysisInputError(f"{path}: no such file or folder")
    if format == "auto":
        formats = {detect_format(p) for p in paths}
        if len(formats) > 1:
            raise AnalysisInputError(f"{paths[0]}: the inputs mix formats ({', '.join(sorted(formats))})")
        format = formats.pop()
    if format == "motorseq":
        from motorseq.analysis.loaders.motorseq_bids import load_motorseq

        return load_motorseq(paths, keep_apart=keep_apart, prefixes=prefixes)
    if format == "jspsych-asrt":
        from motorseq.analysis.loaders.jspsych_asrt import load_jspsych_asrt

        return load_jspsych_asrt(paths)
    if format == "psychopy-asrt":
        from motorseq.analysis.loaders.psychopy_asrt import load_psychopy_asrt

        return load_psychopy_asrt(paths)
    if format == "eprime-srt":
        from motorseq.analysis.loaders.eprime_srt import load_eprime_srt

        return load_eprime_srt(paths)
    if format == "psychopy-builder":
        from motorseq.analysis.loaders.psychopy_builder import load_psychopy_builder

        return load_psychopy_builder(paths)
    if format.lower().endswith((".yaml", ".yml")):
        from motorseq.analysis.loaders.mapping import load_mapped

        if not Path(format).is_file():
            raise AnalysisInputError(f"{format}: mapping file not found")
        return load_mapped(paths, Path(format))
    raise AnalysisInputError(f"format {format!r} is not one of auto, {', '.join(FORMATS)} or a mapping .yaml file")
