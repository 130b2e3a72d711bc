"""`analyze` on multi-session data: the phase tables on a constructed BIDS data set, and on the real ASRT data."""

from __future__ import annotations

import pytest
import yaml
from motorseq.analysis import analyze, load_dataset
from motorseq.analysis.pipeline import compute_tables

SESSION_1 = [600, 550, 500, 450]  # sequence blocks; random block at 500
RELEARN = {"same": [480, 450, 440, 430], "new": [560, 520, 480, 450]}


def _protocol(folder, name, blocks):
    from motorseq.protocols import load_protocol

    data = load_protocol("srt-classic").model_dump(mode="json", by_alias=True)
    data.update(name=name, blocks=blocks)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_protocol(path)


def _write(root, protocol, participant, session, group, rt_of_block):
    from motorseq.protocols import generate_trials
    from motorseq.protocols.io import RunWriter

    with RunWriter(root, protocol, participant, session, 1, seed=1, source={"Type": "human"}, group=group) as w:
        for row in generate_trials(protocol, participant, seed=1).itertuples(index=False):
            rt = rt_of_block(row) / 1000
            w.write_trial(
                {
                    **row._asdict(),
                    "stimulus_onset": 0.0,
                    "response": row.correct_key,
                    "response_position": int(row.target),
                    "rt": rt,
                    "correct": 1,
                    "n_presses": 1,
                    "n_errors": 0,
                }
            )


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phases")
    learn = _protocol(
        folder,
        "learn",
        [
            {"kind": "practice", "trials": 12},
            {"kind": "sequence", "trials": 24, "repeat": 4},
            {"kind": "random", "trials": 24},
        ],
    )
    same = _protocol(folder, "relearn", [{"kind": "sequence", "trials": 24, "repeat": 4}])
    new = _protocol(folder, "relearn", [{"kind": "sequence", "trials": 24, "repeat": 4, "sequence": "other"}])
    root = folder / "bids"
    for k, group in enumerate(["same", "same", "new", "new"], start=1):
        p = f"{k:02d}"
        _write(
            root,
            learn,
            p,
            "1",
            group,
            lambda r: 700 if r.block == 1 else 500 if r.block == 6 else SESSION_1[r.block - 2],
        )
        _write(root, same if group == "same" else new, p, "2", group, lambda r, g=group: RELEARN[g][r.block - 1])
    return root


def test_phase_tables_of_a_two_session_srt_study(two_sessions):
    result = analyze(two_sessions, statistics=False, figures=False, n_boot=10, n_boot_participant=0)
    gains = result.tables["phase_offline_gains"].set_index("participant")
    assert gains.loc["01", "offline_gain"] == pytest.approx(450 - 480)  # RT: slower after the delay = negative
    assert gains.loc["03", "offline_gain"] == pytest.approx(450 - 560)
    retention = result.tables["phase_retention"].set_index("participant")
    assert retention.loc["01", "general_retained"] == pytest.approx((600 - 480) / (600 - 450))
    savings = result.tables["phase_savings"].set_index("participant")
    assert savings.loc["01", "trials_learn"] == 4 and savings.loc["01", "trials_relearn"] == 2
    assert savings.loc["01", "savings"] == pytest.approx(0.5) and savings.loc["03", "savings"] == pytest.approx(0.0)
    groups = result.tables["phase_savings_groups"].iloc[0]
    assert (groups["group_same"], groups["group_new"]) == ("same", "new")
    assert groups["savings_ratio"] == pytest.approx(2.0)
    micro = result.tables["phase_micro_gains"].set_index(["participant", "session"])
    assert micro.loc[("01", "1"), "micro_offline"] == pytest.approx(150.0)  # blocks are flat: all gain is between
    assert micro.loc[("01", "1"), "micro_online"] == pytest.approx(0.0)
    assert any("ratio T_new/T_same 2.00" in line for line in result.summary)


def test_real_asrt_three_sessions_per_session_measures(real_data):
    data = load_dataset(real_data)
    assert sorted(data.trials["session"].unique()) == ["1", "2", "3"]
    tables, _, _ = compute_tables(data, n_boot=10, n_boot_participant=0)
    summary = tables["phase_session_summary"]
    assert summary.groupby("session").size().tolist() == [35, 35, 35]
    assert (summary["n_blocks"] == 20).all()
    # within-session speed-up (first - last block, group mean of block medians) shrinks over sessions
    speedup = summary.groupby("session")[["start", "end"]].mean().eval("start - end")
    assert speedup.tolist() == pytest.approx([43.5, 19.8, 4.3], abs=0.1)
    gains = tables["phase_offline_gains"]
    assert len(gains) == 70
    assert gains.groupby("session_to")["offline_gain"].mean().to_dict() == pytest.approx({"2": 9.5, "3": 0.4}, abs=0.1)
    micro = tables["phase_micro_gains"]
    # Bönstrup et al. (2019): gains accrue across rests, not during practice
    assert micro["micro_offline"].mean() > 0 > micro["micro_online"].mean()
