"""One definition of the headline number: tables, `analyze` output, `compare` and the report tile agree (issue 16)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from motorseq.analysis import analyze
from motorseq.analysis.comparison import compare
from motorseq.analysis.report.build import build_report

_spec = importlib.util.spec_from_file_location("analysis_conftest", Path(__file__).with_name("conftest.py"))
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


def _two_random_blocks(folder: Path) -> Path:
    """Two random blocks with different neighbours, so 'which sequence blocks' matters."""
    data = yaml.safe_load(helpers.small_srt_protocol(folder).read_text(encoding="utf-8"))
    data["name"] = "srttwo"
    data["blocks"] = [
        {"kind": "practice", "trials": 12, "label": "practice"},
        {"kind": "sequence", "trials": 24, "repeat": 2},
        {"kind": "random", "trials": 24, "label": "random"},
        {"kind": "sequence", "trials": 24, "repeat": 2},
        {"kind": "random", "trials": 24, "label": "random"},
        {"kind": "sequence", "trials": 24, "label": "return"},
    ]
    path = folder / "srttwo.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_tables_cli_compare_and_report_give_the_same_sequence_effect(tmp_path):
    protocol = _two_random_blocks(tmp_path)
    people = helpers.write_srt_cohort(tmp_path / "people", protocol, n=5, seed=21, source="human", random_cost=50.0)
    model = helpers.write_srt_cohort(tmp_path / "model", protocol, n=3, seed=22, source="model", random_cost=30.0)

    result = analyze(str(people), n_boot=20, n_boot_participant=0, figures=False)
    assert (result.tables["srt_sequence_learning"].groupby("participant").size() == 2).all()
    group = result.tables["srt_sequence_learning_group"]
    table_mean = float(group.loc[group["group"].astype(str) == "all", "mean"].iloc[0])

    cli = subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", "analyze", str(people), "--out", str(tmp_path / "a"),
         "--no-figures", "--n-boot", "20", "--n-boot-participant", "0"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    cli_mean = float(re.search(r"sequence-specific learning (-?[\d.]+) ms", cli.stdout).group(1))

    compared = compare(people, model, n_boot=20, figures=False).tables["compare_summary"].set_index("metric")
    compare_mean = float(compared.loc["people_sequence_effect_ms", "value"])

    page = build_report(people, tmp_path / "r.html", full_behaviour=False).read_text(encoding="utf-8")
    tile = re.search(r'<b class="[a-z]*">(-?[\d.]+) ms</b><span>sequence-specific effect', page)

    assert 30 < table_mean < 70  # the constructed cost is 50 ms
    assert cli_mean == pytest.approx(table_mean, abs=0.05)
    assert compare_mean == pytest.approx(table_mean, abs=1e-9)
    assert tile is not None and float(tile.group(1)) == pytest.approx(table_mean, abs=0.05)
