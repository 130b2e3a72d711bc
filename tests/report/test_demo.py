"""``motorseq demo`` end to end with the real spiking model (slow: compiles and simulates)."""

import pytest


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    from motorseq.analysis.report.demo import run_demo

    report = run_demo(tmp_path / "demo", participants=2, seed=0, workers=2)
    page = report.read_text()
    assert 'id="fig-brain-early"' in page and 'id="fig-brain-late"' in page
    assert (tmp_path / "demo" / "brain" / "comparison_metrics.json").is_file()
    assert len(list((tmp_path / "demo" / "data").glob("sub-*/ses-1/beh/*_beh.tsv"))) == 2
