"""The report shows the analysis's numbers with n and p, a plain summary first, tables folded (issue 16)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from motorseq.analysis import analyze
from motorseq.analysis.cleaning import CleaningRules
from motorseq.analysis.fits import fit_status
from motorseq.analysis.pipeline import AnalysisResult
from motorseq.analysis.report.build import build_report


@pytest.fixture(scope="module")
def saved(model_dataset, tmp_path_factory):
    """A saved analysis with non-default cleaning (no outlier rule), as `motorseq analyze --out` writes it."""
    out = tmp_path_factory.mktemp("analysis")
    result = analyze(
        str(model_dataset),
        out=out,
        n_boot=50,
        n_boot_participant=0,
        rules=CleaningRules(outlier_sd=None, post_error=False),
    )
    return out, result


@pytest.fixture(scope="module")
def page(model_dataset, saved, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    steps = []
    build_report(model_dataset, out, n_perm=20, analysis=AnalysisResult.load(saved[0]), progress=steps.append)
    assert steps == ["behaviour", "brain comparison", "figures", "writing"]
    return out.read_text()


def _summary_mean(result) -> float:
    line = next(s for s in result.summary if "sequence-specific learning" in s)
    return float(re.search(r"sequence-specific learning (-?[\d.]+) ms", line).group(1))


def test_the_tile_shows_the_analysis_number(page, saved):
    mean = _summary_mean(saved[1])
    tile = re.search(r'<b class="[a-z]*">(-?[\d.]+) ms</b><span>sequence-specific effect', page)
    assert tile is not None and float(tile.group(1)) == pytest.approx(mean, abs=0.05)
    label = re.search(
        r"sequence-specific effect \(random − sequence blocks\), session 1: 95 % CI "
        r"\[[-\d.]+, [-\d.]+\], n = (\d+), p = [\d.e-]+",
        page,
    )
    assert label is not None and label.group(1) == "4"


def test_the_saved_analysis_is_shown_not_re_run(model_dataset, saved, tmp_path):
    default = analyze(str(model_dataset), n_boot=50, n_boot_participant=0, figures=False)
    assert _summary_mean(default) != pytest.approx(_summary_mean(saved[1]), abs=0.05)  # the rules matter
    page = build_report(
        model_dataset, tmp_path / "r.html", n_perm=5, analysis=AnalysisResult.load(saved[0])
    ).read_text()
    assert f"{_summary_mean(saved[1]):.1f} ms</b>" in page


def test_plain_summary_comes_first_and_claims_carry_n_and_p(page):
    main = page.split("<main>", 1)[1]
    assert main.startswith('<section id="summary"><h2>Summary</h2><div class="plain"><p>4 participant(s) did a SRT')
    plain = main.split('<div class="plain">', 1)[1].split("</div>", 1)[0]
    assert "n = 4" in plain and "p = " in plain
    assert "shift toward cortex: not enough participants (n = 4, p = " in plain
    assert "toward cortex&#39;: yes" not in page and "consistent with" not in page


def test_detailed_tables_are_folded_and_every_table_scrolls_in_its_box(page):
    assert page.count("<details>") >= 3
    tables = page.count("<table")
    assert tables > 5 and page.count('<div class="tablewrap"><table') == tables
    assert ".tablewrap{overflow-x:auto" in page
    tables_section = page.split('<section id="behaviour-tables">', 1)[1].split("</section>", 1)[0]
    assert "<table" not in tables_section.split("<details>", 1)[0]


def test_failed_fits_are_flagged():
    y = np.array([[500, 490, 480, 470, 460, 450.0], [520, 430, 410, 405, 402, 401]])
    status = fit_status(np.array([-4.2e4, 400.0]), np.array([1e-3, 0.8]), np.array([True, False]), y)
    assert status.tolist() == ["failed: asymptote outside the data", "ok"]
    status = fit_status(np.array([np.nan]), np.array([np.nan]), np.array([False]), y[:1])
    assert status.tolist() == ["not fitted"]
