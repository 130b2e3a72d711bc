"""Error messages show values as written, mapping keys may be numbers, one error base (issue 16)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import motorseq
import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import load_dataset
from motorseq.analysis.errors import AnalysisInputError
from motorseq.protocols.errors import MotorseqError, as_written

# exceptions that steer the task loop and never reach the user
CONTROL_FLOW = {"AbortRun", "RestartTrial"}


def _table(tmp_path, condition) -> str:
    pd.DataFrame({
        "Subj": ["p1"] * 4, "Blk": [1, 1, 2, 2], "Trl": [1, 2, 1, 2], "Cond": condition,
        "RT": [400, 420, 380, 450], "Acc": [1, 1, 1, 0],
    }).to_csv(tmp_path / "data.csv", index=False)  # fmt: skip
    return str(tmp_path / "data.csv")


def _mapping(tmp_path, values: str = "") -> str:
    text = (
        "paradigm: srt\ncolumns: {participant: Subj, block: Blk, trial: Trl, trial_type: Cond, rt: RT, "
        "correct: Acc}\n" + values
    )
    (tmp_path / "map.yaml").write_text(text)
    return str(tmp_path / "map.yaml")


def test_a_number_in_an_error_is_shown_as_written(tmp_path):
    data = _table(tmp_path, [2, 1, 1, 2])
    with pytest.raises(AnalysisInputError) as info:
        load_dataset(data, format=_mapping(tmp_path))
    message = str(info.value)
    assert "column 'Cond': value 2 is not a trial type" in message
    assert "np." not in message and "int64" not in message


def test_mapping_accepts_numbers_as_recoding_keys(tmp_path):
    data = _table(tmp_path, [1, 2, 1, 2])
    trials = load_dataset(data, format=_mapping(tmp_path, "values: {trial_type: {1: sequence, 2: random}}\n")).trials
    assert trials["trial_type"].tolist() == ["sequence", "random", "sequence", "random"]


def test_float_column_matches_whole_number_keys(tmp_path):
    data = _table(tmp_path, [1.0, 2.0, np.nan, 2.0])
    with pytest.raises(AnalysisInputError, match=r"value 'nan' is not a trial type"):
        load_dataset(data, format=_mapping(tmp_path, "values: {trial_type: {1: sequence, 2: random}}\n"))


def test_as_written():
    assert [as_written(v) for v in (np.int64(2), np.float64(3.0), 2.5, "S", np.str_("R"))] == [
        "2",
        "3",
        "2.5",
        "'S'",
        "'R'",
    ]


def _motorseq_exceptions():
    for info in pkgutil.walk_packages(motorseq.__path__, "motorseq."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Exception)
                and not issubclass(obj, Warning)
                and obj.__module__ == module.__name__
            ):
                yield f"{module.__name__}.{name}", obj


def test_every_user_facing_error_has_one_base():
    found = dict(_motorseq_exceptions())
    assert "motorseq.models.hemodynamics.HemodynamicsError" in found
    outside = [
        name
        for name, cls in found.items()
        if not issubclass(cls, MotorseqError) and name.rsplit(".", 1)[1] not in CONTROL_FLOW
    ]
    assert outside == []


def test_hemodynamics_error_is_still_a_value_error():
    from motorseq.models.hemodynamics import canonical_hrf

    with pytest.raises(ValueError, match="dt: must be a positive"):
        canonical_hrf(-1.0)
    with pytest.raises(MotorseqError):
        canonical_hrf(-1.0)
