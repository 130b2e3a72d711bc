"""Any CSV/TSV through an explicit column mapping (a small YAML file).

Example ``mapping.yaml``::

    paradigm: srt            # srt, asrt, dsp or ftt
    rt_unit: ms              # ms or s
    delimiter: ","           # optional; by default from the extension (.tsv/.txt: tab)
    columns:                 # schema name: column in the file
      participant: Subj
      block: Blk
      trial: Trl
      trial_type: Cond
      rt: RT
      correct: Acc
    values:                  # optional recoding of a column's values
      trial_type: {S: sequence, R: random}
    constants:               # optional columns the file lacks
      session: "1"

Schema names: ``participant``, ``session``, ``run``, ``group``, ``block``, ``epoch``,
``trial``, ``is_practice``, ``trial_type``, ``triplet_type``, ``target``, ``rt`` (in
``rt_unit``), ``correct`` (0/1), ``n_presses``, ``execution_time`` (in ``rt_unit``),
``n_correct_sequences``, ``n_errors``; ASRT may give ``position`` and ``pattern`` instead of
``triplet_type`` to have the triplets coded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders.common import (
    Dataset,
    epoch_fallback_note,
    epoch_from_block,
    normalise_trial_type,
    read_table,
    rt_to_ms,
    trial_ids,
)
from motorseq.analysis.schema import concat_trials, finalize_trials
from motorseq.analysis.triplets import code_triplets
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["ColumnMapping", "read_mapping", "load_mapped"]

Target = Literal[
    "participant",
    "session",
    "run",
    "group",
    "block",
    "epoch",
    "trial",
    "is_practice",
    "trial_type",
    "triplet_type",
    "target",
    "rt",
    "correct",
    "n_presses",
    "execution_time",
    "n_correct_sequences",
    "n_errors",
    "position",
    "pattern",
]


class ColumnMapping(BaseModel):
    """How the columns of a foreign table map to the tidy trial table."""

    model_config = ConfigDict(extra="forbid")

    paradigm: Literal["srt", "asrt", "dsp", "ftt"]
    rt_unit: Literal["ms", "s"] = "ms"
    delimiter: str | None = None
    columns: dict[Target, str]
    values: dict[Target, dict[str | int | float, str | int | float]] = {}  # keys as YAML reads them: 1, S
    constants: dict[Target, str | int | float] = {}


def read_mapping(path: Path) -> ColumnMapping:
    """Read and validate a mapping YAML; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AnalysisInputError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise AnalysisInputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        mapping = ColumnMapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        raise AnalysisInputError(f"{path}: {field}: {err['msg']}") from None
    for name in ("participant", "block", "trial", "trial_type", "rt", "correct"):
        if name not in mapping.columns and name not in mapping.constants:
            raise AnalysisInputError(f"{path}: columns.{name}: required")
    return mapping


def _value_key(value: object) -> str:
    """One spelling per value, so a YAML key ``1`` matches ``1``, ``1.0`` and ``"1"`` in the file."""
    if isinstance(value, str):
        value = value.strip()
        try:
            number = float(value)
        except ValueError:
            return value
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
    else:
        return str(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _recode(col: pd.Series, table: dict) -> pd.Series:
    """Recode a column's values through a mapping's ``values`` table (keys text or numbers)."""
    keyed = {_value_key(k): v for k, v in table.items()}
    return pd.Series([keyed.get(_value_key(v), str(v)) for v in col], index=col.index, dtype=object)


def _mapped_file(path: Path, mapping: ColumnMapping, where_map: str) -> tuple[pd.DataFrame, list[str]]:
    where = str(path)
    raw = read_table(path, sep=mapping.delimiter)
    data = {}
    for name, column in mapping.columns.items():
        if column not in raw.columns:
            raise AnalysisInputError(f"{where}: column '{column}' (mapped to '{name}' in {where_map}) is missing")
        col = raw[column]
        if name in mapping.values:
            col = _recode(col, mapping.values[name])
        data[name] = col
    frame = pd.DataFrame(data, index=raw.index)
    for name, value in mapping.constants.items():
        if name not in frame.columns:
            frame[name] = value
    out = pd.DataFrame(index=frame.index)
    for name in (
        "participant",
        "session",
        "run",
        "group",
        "block",
        "epoch",
        "trial",
        "target",
        "n_presses",
        "n_correct_sequences",
        "n_errors",
    ):
        if name in frame.columns:
            out[name] = frame[name]
    out["paradigm"] = mapping.paradigm
    src = mapping.columns.get("rt", "rt")
    out["rt_ms"] = rt_to_ms(frame["rt"], mapping.rt_unit, where, src)
    out["correct"] = pd.to_numeric(frame["correct"], errors="coerce")
    if "execution_time" in frame.columns:
        out["execution_time_ms"] = rt_to_ms(
            frame["execution_time"], mapping.rt_unit, where, mapping.columns["execution_time"]
        )
    if "is_practice" in frame.columns:
        out["is_practice"] = pd.to_numeric(frame["is_practice"], errors="coerce").fillna(0) == 1
    out["trial_type"] = normalise_trial_type(
        frame["trial_type"], where, mapping.columns.get("trial_type", "trial_type"), mapping.paradigm
    )
    notes = []
    probabilistic = out["trial_type"].isin(["probable", "improbable"]).any()
    if "epoch" not in out.columns and (mapping.paradigm == "asrt" or probabilistic):
        out["epoch"] = epoch_from_block(pd.to_numeric(out["block"]), 5)
        notes.append(epoch_fallback_note())
    if mapping.paradigm == "asrt":
        if "pattern" in frame.columns and "position" in frame.columns:
            keys = out.assign(session=out.get("session", "1"))
            order = keys.sort_values(
                [c for c in ("participant", "session", "block", "trial") if c in keys], kind="stable"
            ).index
            block_id = trial_ids(keys.loc[order], [c for c in ("participant", "session", "block") if c in keys])
            codes = pd.Series(
                code_triplets(
                    pd.to_numeric(frame.loc[order, "position"]).to_numpy(),
                    frame.loc[order, "pattern"].astype(str).to_numpy(),
                    block_id,
                ),
                index=order,
            )
            out["triplet_type"] = codes.reindex(out.index)
            out["target"] = frame["position"].astype(str)
            notes.append(f"{path.name}: triplet types computed from the mapped 'pattern' column")
        elif "triplet_type" in frame.columns:
            out["triplet_type"] = frame["triplet_type"].astype(str).replace({"X": "n/a", "nan": "n/a"})
        else:
            raise AnalysisInputError(f"{where_map}: columns.triplet_type: required for asrt (or position + pattern)")
    return finalize_trials(out, where), notes


def load_mapped(paths: list[Path], mapping_path: Path) -> Dataset:
    """Load CSV/TSV files through a column mapping.

    Parameters
    ----------
    paths : list of Path
        The data files.
    mapping_path : Path
        The mapping YAML (see the module docstring).

    Returns
    -------
    Dataset
    """
    mapping = read_mapping(mapping_path)
    frames, notes = [], []
    for path in paths:
        frame, note = _mapped_file(Path(path), mapping, str(mapping_path))
        frames.append(frame)
        notes.extend(note)
    return Dataset(
        trials=concat_trials(frames, list(paths)),
        format=f"mapping:{Path(mapping_path).name}",
        files=[Path(p) for p in paths],
        notes=list(dict.fromkeys(notes)),
    )
