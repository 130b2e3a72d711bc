"""Model populations -> map regions and phase activations on constructed BOLD signals."""

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis.brain import MAP_REGIONS
from motorseq.analysis.brain.model_regions import (
    MODEL_POPULATIONS,
    POPULATION_TO_REGIONS,
    block_activations,
    block_windows,
    phase_blocks,
    phase_levels,
    region_activations,
    region_group_stats,
    seq_random_effect,
    shift_index,
)
from motorseq.analysis.errors import AnalysisInputError

KINDS = ["practice", "sequence", "sequence", "sequence", "random", "sequence"]


def make_trials(rest_s=20.0, block_s=30.0, trial_s=1.0):
    rows, t = [], rest_s
    for b, kind in enumerate(KINDS, start=1):
        for i in range(int(block_s / trial_s)):
            rows.append({"block": b, "block_kind": kind, "stimulus_onset": t + i * trial_s, "rt": 0.5})
        t += block_s + rest_s
    return pd.DataFrame(rows)


def make_bold(trials, levels, rest_level=10.0, dt=0.5, lag_s=5.0, tail_s=40.0):
    """Piecewise-constant BOLD: ``levels[pop][block]`` inside each lagged block, else rest."""
    end = trials["stimulus_onset"].max() + tail_s
    times = np.arange(0, end, dt)
    out = {"time_s": times}
    win = block_windows(trials)
    for pop in MODEL_POPULATIONS:
        sig = np.full(len(times), rest_level)
        for _, w in win.iterrows():
            sel = (times >= w.start_s + lag_s) & (times < w.end_s + lag_s)
            sig[sel] = levels.get(pop, {}).get(int(w.block), rest_level)
        out[pop] = sig
    return pd.DataFrame(out)


def test_every_population_is_mapped_and_every_region_is_covered_but_none_invented():
    assert set(POPULATION_TO_REGIONS) == set(MODEL_POPULATIONS)
    covered = {r for regions in POPULATION_TO_REGIONS.values() for r in regions}
    assert covered == set(MAP_REGIONS)
    assert POPULATION_TO_REGIONS["STN"] == () and POPULATION_TO_REGIONS["IO"] == ()


def test_block_windows_and_phases():
    trials = make_trials()
    win = block_windows(trials)
    assert list(win["block"]) == [1, 2, 3, 4, 5, 6]
    assert win.loc[0, "start_s"] == 20.0 and win.loc[0, "end_s"] == pytest.approx(49.5)
    assert phase_blocks(trials, "early") == [2, 3]
    assert phase_blocks(trials, "late") == [4, 6]
    assert phase_blocks(trials, [4]) == [4]
    with pytest.raises(AnalysisInputError, match="block"):
        phase_blocks(trials, [9])


def test_explicit_phase_blocks_must_be_sequence_blocks_given_once():
    trials = make_trials()  # blocks 1 practice, 2-4 sequence, 5 random, 6 sequence
    for blocks, message in (
        ([1], "--early: block 1 is a practice block, not a sequence block (those are [2, 3, 4, 6])"),
        ([2, 5], "--early: block 5 is a random block, not a sequence block (those are [2, 3, 4, 6])"),
        ([2, 2], "--early: block(s) [2] given more than once"),
        ([], "--early: no blocks given"),
    ):
        with pytest.raises(AnalysisInputError) as err:
            phase_blocks(trials, blocks, option="--early")
        assert str(err.value) == message


def test_overlapping_phases_are_refused(model_dataset):
    from motorseq.analysis.brain.pipeline import compare_model_with_map

    beh = sorted(model_dataset.glob("sub-*/ses-*/beh/*_beh.tsv"))[0]
    with pytest.raises(AnalysisInputError) as err:
        compare_model_with_map(model_dataset, early_blocks=[2, 3], late_blocks=[3, 8], n_perm=5)
    assert str(err.value) == f"{beh}: --early 2,3 and --late 3,8 share block(s) [3]: the phases must not overlap"
    with pytest.raises(AnalysisInputError) as err:  # srt-classic has 6 sequence blocks: 4 + 4 overlap
        compare_model_with_map(model_dataset, n_blocks=4, n_perm=5)
    assert str(err.value) == (
        f"{beh}: early = first --blocks 4 sequence blocks [2, 3, 4, 5] and late = last --blocks 4 sequence blocks "
        "[4, 5, 6, 8] share block(s) [4, 5]: the phases must not overlap"
    )
    with pytest.raises(AnalysisInputError, match=r"_beh\.tsv: --late: block 7 is a random block, not a sequence"):
        compare_model_with_map(model_dataset, late_blocks=[7], n_perm=5)


def test_activation_is_change_from_rest_in_percent_of_the_run_mean():
    trials = make_trials()
    bold = make_bold(trials, {"M1": {b: 12.0 for b in range(1, 7)}, "GPi": {2: 5.0}})
    table = block_activations(bold, trials)
    assert set(table["baseline"]) == {"rest"}
    settled = bold["time_s"] >= 32.0
    m1_mean, gpi_mean = bold.loc[settled, "M1"].mean(), bold.loc[settled, "GPi"].mean()
    assert 10.0 < m1_mean < 12.0 and 5.0 < gpi_mean < 10.0
    m1 = table[table["population"] == "M1"].set_index("block")["activation"]
    np.testing.assert_allclose(m1.to_numpy(), 100 * 2.0 / m1_mean)
    gpi = table[(table["population"] == "GPi") & (table["block"] == 2)]["activation"].item()
    assert gpi == pytest.approx(100 * -5.0 / gpi_mean)


def test_population_silent_at_rest_gets_a_finite_activation_of_the_right_sign():
    trials = make_trials()
    bold = make_bold(trials, {"M1": {b: 4.0 for b in range(1, 7)}}, rest_level=1e-6)
    act = block_activations(bold, trials).query("population == 'M1'")["activation"]
    assert (act > 0).all() and (act < 1000).all()


def test_no_rest_falls_back_to_run_mean():
    trials = make_trials(rest_s=0.0)
    bold = make_bold(trials, {"M1": {2: 20.0}}, tail_s=10.0)
    table = block_activations(bold, trials)
    assert set(table["baseline"]) == {"run-mean"}


def test_region_activation_averages_populations():
    pop = pd.DataFrame(
        {
            "participant": "01",
            "block": 2,
            "population": ["striatum_D1", "striatum_D2", "GPe", "GPi", "STN"],
            "activation": [10.0, 20.0, 1.0, 3.0, 99.0],
        }
    )
    reg = region_activations(pop).set_index("region")["activation"]
    assert reg["putamen"] == 15.0 and reg["caudate"] == 15.0 and reg["pallidum"] == 2.0
    assert "STN" not in reg.index and list(reg.index) == ["putamen", "caudate", "pallidum"]


def test_group_stats_engaged_only_when_consistently_positive():
    rng = np.random.default_rng(0)
    rows = []
    for p in range(8):
        rows.append({"participant": p, "region": "M1", "activation": 5 + rng.normal(0, 1)})
        rows.append({"participant": p, "region": "SMA", "activation": rng.normal(0, 1)})
        rows.append({"participant": p, "region": "putamen", "activation": -5 + rng.normal(0, 1)})
    stats = region_group_stats(pd.DataFrame(rows))
    assert stats.loc["M1", "engaged"] and stats.loc["M1", "q"] < 0.001
    assert not stats.loc["SMA", "engaged"] and not stats.loc["putamen", "engaged"]


def test_seq_random_effect_uses_flanking_sequence_blocks():
    table = pd.DataFrame(
        {
            "participant": "01",
            "region": "putamen",
            "block": [2, 3, 4, 5, 6],
            "block_kind": ["sequence", "sequence", "sequence", "random", "sequence"],
            "activation": [9.0, 9.0, 4.0, 10.0, 8.0],
        }
    )
    eff = seq_random_effect(table)
    assert eff["activation"].item() == pytest.approx((4.0 + 8.0) / 2 - 10.0)


def test_shift_index_detects_move_toward_cortex():
    rows = []
    for p in ("01", "02"):
        for phase, sub in (("early", 30.0), ("late", 15.0)):
            rows += [
                {"participant": p, "phase": phase, "region": "M1", "level": 10.0},
                {"participant": p, "phase": phase, "region": "putamen", "level": sub},
                {"participant": p, "phase": phase, "region": "cerebellum_VI", "level": sub},
            ]
    shift = shift_index(pd.DataFrame(rows)).set_index("participant")
    assert shift.loc["01", "ratio_early"] == 3.0 and shift.loc["01", "shift"] == 2.0


def test_phase_levels_average_blocks():
    table = pd.DataFrame(
        {"participant": "01", "region": "M1", "block": [2, 3, 6], "block_kind": "sequence", "level": [1.0, 3.0, 10.0]}
    )
    out = phase_levels(table, {"early": [2, 3], "late": [6]}).set_index("phase")["level"]
    assert out["early"] == 2.0 and out["late"] == 10.0


def test_initial_ramp_of_the_convolution_is_ignored():
    """A causally convolved signal starts at zero; the first 32 s must not bias anything."""
    trials = make_trials(rest_s=0.0)
    bold = make_bold(trials, {}, tail_s=10.0)
    pops = [c for c in bold.columns if c != "time_s"]
    ramp = bold["time_s"] < 30.0
    bold.loc[ramp, pops] = 0.0
    table = block_activations(bold, trials)
    assert set(table["baseline"]) == {"run-mean"}
    np.testing.assert_allclose(table["activation"].to_numpy(), 0.0, atol=1e-9)


def test_a_missing_value_in_a_region_column_of_the_bold_file_is_refused(model_dataset, tmp_path):
    import shutil

    from motorseq.analysis.brain.model_regions import read_model_run

    data = shutil.copytree(model_dataset, tmp_path / "data")
    beh = sorted(data.glob("sub-02/ses-1/beh/*_beh.tsv"))[0]
    bold_file = next((data / "derivatives" / "motorseq-model" / "sub-02" / "ses-1").glob("*_desc-bold_timeseries.tsv"))
    lines = bold_file.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split("\t")
    col = header.index("M1")
    for k in (40, 90):  # two cells: the first one's line is named, the count given
        cells = lines[k - 1].rstrip("\n").split("\t")
        cells[col] = "n/a"
        lines[k - 1] = "\t".join(cells) + "\n"
    bold_file.write_text("".join(lines))
    with pytest.raises(AnalysisInputError) as err:
        read_model_run(beh)
    assert str(err.value) == f"{bold_file}:40: M1: n/a is not a finite number (2 such rows)"


def test_shift_index_refuses_a_region_without_a_level():
    rows = [
        {"participant": "01", "phase": phase, "region": region, "level": level}
        for phase in ("early", "late")
        for region, level in (("M1", 10.0), ("SMA", 10.0), ("putamen", 20.0))
    ]
    assert shift_index(pd.DataFrame(rows))["shift"].item() == 1.0
    rows[1]["level"] = float("nan")  # early SMA: the early cortex would be M1 alone, a different index
    with pytest.raises(AnalysisInputError, match=r"participant 01, region SMA, phase early: level is not a finite"):
        shift_index(pd.DataFrame(rows))
