"""Each loader on a small file of its format, format detection, and one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import AnalysisInputError, detect_format, load_dataset
from motorseq.protocols.errors import MotorseqError


def _jspsych_rows() -> pd.DataFrame:
    # pattern 1-3-2-4 alternating with random elements; block 1 learning, plus one practice block
    positions = [2, 1, 4, 3, 2, 2, 3, 4, 1]
    types = ["R", "P", "R", "P", "R", "P", "R", "P", "R"]
    rows = []
    for i, (pos, typ) in enumerate(zip(positions, types, strict=True), start=1):
        rows.append(
            {
                "subject": 501,
                "session": 1,
                "group": "Sham",
                "isPractice": 0,
                "block": 1,
                "epoch": 1,
                "trialNumber": i,
                "trialType": typ,
                "tripletType": "X",
                "sequence": 1324,
                "correctPos": pos,
                "firstResponse": 0 if i == 5 else 1,
                "rt": 400.0 + 10 * i,
                "trial_index": 100 + i,
            }
        )
    rows.append(
        {
            "subject": 501,
            "session": 1,
            "group": "Sham",
            "isPractice": 1,
            "block": 1,
            "epoch": 1,
            "trialNumber": 1,
            "trialType": "R",
            "tripletType": "X",
            "sequence": 1324,
            "correctPos": 3,
            "firstResponse": 1,
            "rt": 900.0,
            "trial_index": 1,
        }
    )
    return pd.DataFrame(rows)


def test_jspsych_recomputes_triplets_and_units(tmp_path):
    path = tmp_path / "asrt.csv"
    _jspsych_rows().to_csv(path, index=False)
    assert detect_format(path) == "jspsych-asrt"
    data = load_dataset(path)
    t = data.trials
    learn = t[~t["is_practice"]].sort_values("trial")
    # by hand, pattern 1324 (succ: 1->3, 3->2, 2->4, 4->1), positions 2 1 4 3 2 2 3 4 1:
    # t3 (2,1,4): succ[2]=4 -> H; t4 (1,4,3): succ[1]=3 -> H; t5 (4,3,2): succ[4]=1 -> L;
    # t6 (3,2,2): succ[3]=2 -> H; t7 (2,2,3): L; t8 (2,3,4): succ[2]=4 -> H; t9 (3,4,1): succ[3]=2 -> L
    assert learn["triplet_type"].tolist() == ["n/a", "n/a", "H", "H", "L", "H", "L", "H", "L"]
    assert learn["trial_type"].tolist()[:2] == ["random", "pattern"]
    # firstResponse == 0: an error first, and the rt runs from the wrong press -> not an RT
    row5 = learn[learn["trial"] == 5].iloc[0]
    assert row5["correct"] == 0 and np.isnan(row5["rt_ms"])
    assert learn[learn["trial"] == 4]["rt_ms"].iloc[0] == 440.0
    practice = t[t["is_practice"]]
    assert practice["epoch"].tolist() == [0] and practice["triplet_type"].tolist() == ["n/a"]
    # the file says X everywhere: only the 3 trials without a triplet agree (2 learning + 1 practice of 10)
    assert "30.0% agree" in data.notes[0]


def test_jspsych_missing_column_is_one_line(tmp_path):
    path = tmp_path / "asrt.csv"
    _jspsych_rows().drop(columns=["sequence"]).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"asrt.csv: column 'sequence' is missing") as err:
        load_dataset(path, "jspsych-asrt")
    assert "\n" not in str(err.value)
    assert isinstance(err.value, MotorseqError)


def test_jspsych_a_press_recorded_twice_is_refused_and_acc_cannot_hide_a_first_error(tmp_path):
    rows = _jspsych_rows().assign(ACC=1)  # an export of correct presses only: ACC is always 1
    path = tmp_path / "asrt.csv"
    pd.concat([rows.iloc[:6], rows.iloc[[5]], rows.iloc[6:]]).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"asrt.csv: data row 7 repeats data row 6 in every column"):
        load_dataset(path, "jspsych-asrt")
    # two rows of one trial that differ (a second press kept): trial 5's first response was an
    # error (firstResponse 0), so the trial is an error although its recorded press has ACC 1
    extra = rows.iloc[[4]].assign(rt=999.0, trial_index=105.5)
    pd.concat([rows.iloc[:5], extra, rows.iloc[5:]]).to_csv(path, index=False)
    learn = load_dataset(path, "jspsych-asrt").trials.query("not is_practice").set_index("trial")
    assert learn.loc[5, "correct"] == 0 and np.isnan(learn.loc[5, "rt_ms"]) and learn.loc[5, "n_presses"] == 2
    assert learn["correct"].drop(5).eq(1).all()


def test_jspsych_an_empty_sequence_cell_is_refused_not_read_as_a_fifth_position(tmp_path):
    rows = _jspsych_rows().astype({"sequence": "float64"})
    rows.loc[3, "sequence"] = np.nan
    path = tmp_path / "asrt.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"asrt.csv: data row 4: column 'sequence' is empty \(1 empty"):
        load_dataset(path, "jspsych-asrt")


def test_jspsych_rows_out_of_trial_order_or_an_empty_session_are_refused(tmp_path):
    path = tmp_path / "asrt.csv"
    rows = _jspsych_rows().drop(columns=["trial_index"])
    rows.iloc[[0, 1, 3, 2, 4, 5, 6, 7, 8, 9]].to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"data row 4: trialNumber 3 follows 4 in the same block"):
        load_dataset(path, "jspsych-asrt")
    rows = _jspsych_rows().astype({"session": "float64"})
    rows.loc[6, "session"] = np.nan
    rows.to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"asrt.csv: column 'session': empty cell in data row"):
        load_dataset(path, "jspsych-asrt")


def test_jspsych_a_cut_off_row_names_its_row(tmp_path):
    path = tmp_path / "asrt.csv"
    _jspsych_rows().astype({"firstResponse": "float64"}).assign(
        firstResponse=lambda t: t["firstResponse"].where(t["trial_index"] != 109)
    ).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"'firstResponse': values must be 0 or 1 \(data row 10 after sorting"):
        load_dataset(path, "jspsych-asrt")


def test_one_participant_in_seconds_among_others_in_ms_is_refused(tmp_path):
    other = _jspsych_rows().assign(subject=502)
    seconds = _jspsych_rows().assign(rt=lambda t: t["rt"] / 1000)
    path = tmp_path / "asrt.csv"
    pd.concat([other, other.assign(subject=503), seconds]).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"asrt.csv: participant 501: median rt 0.46 ms looks like seconds"):
        load_dataset(path, "jspsych-asrt")


def _psychopy_rows() -> pd.DataFrame:
    rows = []
    stims = [1, 2, 3, 4, 1]
    for trial, stim in enumerate(stims, start=1):
        if trial == 3:  # wrong key first, then the right one
            rows.append({"trial_number": trial, "stimulus": stim, "response": 1, "rt_cumulative_s": 0.350})
            rows.append({"trial_number": trial, "stimulus": stim, "response": stim, "rt_cumulative_s": 0.610})
        else:
            rows.append(
                {"trial_number": trial, "stimulus": stim, "response": stim, "rt_cumulative_s": 0.400 + trial / 100}
            )
    frame = pd.DataFrame(rows)
    frame.insert(0, "participant", "p1")
    frame.insert(1, "block_number", 1)
    frame["trial_type"] = ["random", "pattern", "random", "random", "pattern", "random"]
    frame["triplet_type"] = ["X", "X", "H", "H", "L", "H"]
    return frame


def test_psychopy_one_row_per_press(tmp_path):
    path = tmp_path / "log.csv"
    _psychopy_rows().to_csv(path, index=False)
    assert detect_format(path) == "psychopy-asrt"
    t = load_dataset(path).trials
    assert len(t) == 5
    third = t[t["trial"] == 3].iloc[0]
    assert third["rt_ms"] == pytest.approx(350.0)  # first press, seconds -> ms
    assert third["correct"] == 0 and third["n_presses"] == 2 and third["n_errors"] == 1
    assert t[t["trial"] == 2]["rt_ms"].iloc[0] == pytest.approx(420.0)
    assert t["triplet_type"].tolist() == ["n/a", "n/a", "H", "L", "H"]
    assert t["epoch"].tolist() == [1] * 5


def test_psychopy_rt_in_ms_is_refused(tmp_path):
    path = tmp_path / "log.csv"
    frame = _psychopy_rows()
    frame["rt_cumulative_s"] *= 1000
    frame.to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"column 'rt_cumulative_s': median .* looks like ms"):
        load_dataset(path)


def test_eprime_utf16_with_object_prefix(tmp_path):
    rows = pd.DataFrame(
        {
            "ExperimentName": "srt",
            "Subject": [3] * 6,
            "Session": 1,
            "Block": [1, 1, 1, 2, 2, 2],
            "Trial": [1, 2, 3, 1, 2, 3],
            "BlockType": ["Sequence"] * 3 + ["RandomBlock"] * 3,
            "Stimulus.RT": [512, 498, 0, 530, 545, 560],
            "Stimulus.ACC": [1, 1, 0, 1, 0, 1],
            "Stimulus.CorrResp": ["d", "f", "j", "k", "d", "f"],
        }
    )
    path = tmp_path / "srt.txt"
    path.write_bytes(rows.to_csv(sep="\t", index=False).encode("utf-16"))
    assert detect_format(path) == "eprime-srt"
    t = load_dataset(path).trials
    assert t["paradigm"].unique().tolist() == ["srt"]
    assert t["trial_type"].tolist() == ["sequence"] * 3 + ["random"] * 3
    assert np.isnan(t["rt_ms"].iloc[2])  # RT 0 = no response
    assert t["rt_ms"].iloc[0] == 512.0 and t["correct"].tolist() == [1, 1, 0, 1, 0, 1]
    assert t["participant"].iloc[0] == "3"


def test_eprime_bad_acc_names_column(tmp_path):
    path = tmp_path / "srt.csv"
    pd.DataFrame(
        {"Subject": [1], "Block": [1], "Trial": [1], "Condition": ["seq"], "RT": [400], "ACC": [3], "CorrResp": ["d"]}
    ).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"srt.csv: column 'ACC': values must be 0 or 1"):
        load_dataset(path)


def test_csv_with_mapping(tmp_path):
    data = tmp_path / "lab.csv"
    pd.DataFrame(
        {
            "subj": ["a", "a", "a", "b"],
            "blk": [1, 1, 2, 1],
            "n": [1, 2, 1, 1],
            "cond": ["S", "S", "R", "S"],
            "time_s": [0.41, 0.39, 0.45, 0.50],
            "acc": [1, 1, 1, 0],
        }
    ).to_csv(data, index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "paradigm: srt\nrt_unit: s\ncolumns: {participant: subj, block: blk, trial: n, trial_type: cond, "
        "rt: time_s, correct: acc}\nvalues: {trial_type: {S: sequence, R: random}}\nconstants: {session: '2'}\n",
        encoding="utf-8",
    )
    t = load_dataset(data, str(mapping)).trials
    assert t["rt_ms"].tolist() == pytest.approx([410.0, 390.0, 450.0, 500.0])
    assert t["trial_type"].tolist() == ["sequence", "sequence", "random", "sequence"]
    assert set(t["session"]) == {"2"}


def test_mapping_errors_name_field_and_column(tmp_path):
    data = tmp_path / "lab.csv"
    pd.DataFrame({"subj": ["a"], "blk": [1], "n": [1], "cond": ["S"], "rt": [400], "acc": [1]}).to_csv(
        data, index=False
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("paradigm: xyz\ncolumns: {participant: subj}\n", encoding="utf-8")
    with pytest.raises(AnalysisInputError, match=r"bad.yaml: paradigm: "):
        load_dataset(data, str(bad))
    missing = tmp_path / "missing.yaml"
    missing.write_text(
        "paradigm: srt\ncolumns: {participant: subj, block: blk, trial: n, trial_type: cond, "
        "rt: RT_MS, correct: acc}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        AnalysisInputError, match=r"lab.csv: column 'RT_MS' \(mapped to 'rt' in .*missing.yaml\) is missing"
    ):
        load_dataset(data, str(missing))


def test_unknown_format_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(path, index=False)
    with pytest.raises(AnalysisInputError, match=r"other.csv: format not recognised"):
        load_dataset(path)
    with pytest.raises(AnalysisInputError, match=r"format 'spss' is not one of"):
        load_dataset(path, "spss")


def test_motorseq_runs(srt_people):
    from motorseq.protocols.io import read_run

    data = load_dataset(srt_people)
    assert data.format == "motorseq"
    t = data.trials
    assert t["participant"].nunique() == 6 and set(t["paradigm"]) == {"srt"} and set(t["source"]) == {"human"}
    assert set(t["group"]) == {"young"}
    raw = read_run(sorted(srt_people.rglob("sub-01_*_beh.tsv"))[0])
    first = t[t["participant"] == "01"].reset_index(drop=True)
    ok = raw["rt"].notna().to_numpy()
    np.testing.assert_allclose(first["rt_ms"].to_numpy()[ok], raw["rt"].to_numpy(dtype=float)[ok] * 1000.0)
    assert first["is_practice"].sum() == 12


def test_motorseq_damaged_run_is_one_line(srt_people, tmp_path):
    import shutil

    copy = tmp_path / "bids"
    shutil.copytree(srt_people, copy)
    beh = sorted(copy.rglob("sub-02_*_beh.tsv"))[0]
    lines = beh.read_text().splitlines(keepends=True)
    cells = lines[5].split("\t")
    header = lines[0].rstrip("\n").split("\t")
    cells[header.index("rt")] = "fast"
    lines[5] = "\t".join(cells)
    beh.write_text("".join(lines))
    with pytest.raises(MotorseqError, match=r"sub-02_.*_beh.tsv:6: rt: 'fast' is not a number"):
        load_dataset(copy)


def test_foreign_formats_through_the_pipeline(tmp_path):
    from motorseq.analysis import analyze

    rng = np.random.default_rng(5)
    rows = []
    for subject in (1, 2, 3):
        for block in range(1, 7):
            kind = "Random" if block == 5 else "Sequence"
            for trial in range(1, 13):
                rt = 500 - 20 * block + (70 if kind == "Random" else 0) + rng.normal(0, 15)
                rows.append(
                    {
                        "Subject": subject,
                        "Block": block,
                        "Trial": trial,
                        "Condition": kind,
                        "RT": round(rt),
                        "ACC": 1,
                        "CorrResp": "d",
                    }
                )
    eprime = tmp_path / "srt.txt"
    eprime.write_bytes(pd.DataFrame(rows).to_csv(sep="\t", index=False).encode("utf-16"))
    result = analyze(eprime, n_boot=50, n_boot_participant=0, figures=False)
    effect = result.tables["srt_sequence_learning"]["sequence_effect_ms"]
    assert len(effect) == 3 and effect.mean() == pytest.approx(70, abs=12)

    presses = []
    pattern = [1, 3, 2, 4]
    for p in ("a", "b"):
        for block in range(1, 11):
            for trial in range(1, 41):
                is_pattern = trial % 2 == 0
                stim = pattern[(trial // 2 - 1) % 4] if is_pattern else int(rng.integers(1, 5))
                presses.append(
                    {
                        "participant": p,
                        "block_number": block,
                        "trial_number": trial,
                        "trial_type": "pattern" if is_pattern else "random",
                        "stimulus": stim,
                        "response": stim,
                        "pattern": "1324",
                        "rt_cumulative_s": 0.45 + rng.normal(0, 0.02),
                    }
                )
    log = tmp_path / "psychopy.csv"
    pd.DataFrame(presses).to_csv(log, index=False)
    result = analyze(log, n_boot=50, n_boot_participant=0, figures=False)
    trip = result.tables["asrt_triplet_learning"]
    assert sorted(trip["epoch"].unique().tolist()) == [1, 2] and (trip["n_H"] > trip["n_L"]).all()


def test_several_files_join_and_duplicates_are_refused(tmp_path):
    rows = pd.DataFrame(
        {
            "Subject": [1, 1],
            "Block": [1, 1],
            "Trial": [1, 2],
            "Condition": ["seq", "seq"],
            "RT": [400, 410],
            "ACC": [1, 1],
            "CorrResp": ["d", "f"],
        }
    )
    rows.to_csv(tmp_path / "a.csv", index=False)
    rows.assign(Subject=2).to_csv(tmp_path / "b.csv", index=False)
    t = load_dataset([tmp_path / "a.csv", tmp_path / "b.csv"]).trials
    assert len(t) == 4 and t["participant"].tolist() == ["1", "1", "2", "2"]
    rows.to_csv(tmp_path / "c.csv", index=False)
    both = r"a.csv and \S*c.csv: the same trial is in both files \(participant 1, session 1, run 1, block 1, trial 1\)"
    with pytest.raises(AnalysisInputError, match=both):
        load_dataset([tmp_path / "a.csv", tmp_path / "c.csv"])
