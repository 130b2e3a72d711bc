"""`motorseq params`: every model parameter with default, unit, range and source (issue 16)."""

from __future__ import annotations

import io

import pandas as pd
from motorseq.models.parameter_ranges import parameter_range
from motorseq.models.parameters import ModelParameters
from motorseq.protocols.cli import app
from typer.testing import CliRunner


def _listed() -> pd.DataFrame:
    result = CliRunner().invoke(app, ["params", "--tsv"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.output), sep="\t", keep_default_na=False)


def test_every_parameter_is_listed_with_its_default_range_and_source():
    rows = _listed().set_index("parameter")
    p = ModelParameters()
    expected = []
    for name in ModelParameters.model_fields:
        value = getattr(p, name)
        expected += [f"{name}.{k}" for k in value] if isinstance(value, dict) else [name]
    assert sorted(rows.index) == sorted(expected)
    assert float(rows.loc["tau_nmda_ms", "default"]) == p.tau_nmda_ms
    assert float(rows.loc["weights.sma->d1", "default"]) == p.weights["sma->d1"]
    for name in expected:
        low, high, _ = parameter_range(name)
        assert (float(rows.loc[name, "low"]), float(rows.loc[name, "high"])) == (low, high)
        assert rows.loc[name, "source"].strip()
    assert rows.loc["tau_m_ms.m1", "unit"] == "ms" and rows.loc["weights.sma->d1", "unit"] == "mV"
    assert rows.loc["readout_threshold_hz", "unit"] == "Hz" and rows.loc["rest_s", "unit"] == "s"
    assert rows.loc["eta_striatum", "unit"] == "1"
    assert "Hestrin" in rows.loc["tau_ampa_ms", "source"]


def test_filter_and_help():
    result = CliRunner().invoke(app, ["params", "tau_nmda"])
    assert result.exit_code == 0 and "tau_nmda_ms" in result.output and "tau_ampa_ms" not in result.output
    bad = CliRunner().invoke(app, ["params", "no_such_thing"])
    assert bad.exit_code == 2
    help_text = " ".join(CliRunner().invoke(app, ["simulate", "--help"]).output.split())
    assert "motorseq params" in help_text
