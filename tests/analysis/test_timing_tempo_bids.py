"""`analyze` on constructed BIDS runs: tapping (sct) timing measures and paced-block tempo steps."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from motorseq.analysis import analyze
from motorseq.protocols import generate_trials, load_protocol
from motorseq.protocols.io import RunWriter


def _tapping(root):
    protocol = load_protocol("sct")
    ioi, n_sync, n_cont = 0.5, 12, 24
    with RunWriter(root, protocol, "1", "1", 1, seed=0, source={"Type": "human"}) as writer:
        for row in generate_trials(protocol, "1", seed=0).itertuples(index=False):
            sync = [0.15] + [k * ioi - 0.040 + (0.01 if k % 2 else -0.01) for k in range(1, n_sync)]
            cont, t = [], sync[-1]
            for k in range(n_cont):
                t += 0.49 if k % 2 else 0.51  # ITIs alternate 510, 490 ms
                cont.append(t)
            taps = sync + cont
            events = [
                {"onset": 10 + x, "duration": 0.05, "key": "j", "position": 1, "rt": x, "correct": 1} for x in taps
            ]
            writer.write_trial(
                {
                    **row._asdict(),
                    "stimulus_onset": 10.0,
                    "response": "j",
                    "response_position": 1,
                    "rt": taps[0],
                    "n_presses": len(taps),
                    "n_errors": 0,
                    "ioi": ioi,
                    "click_onset": 10.0,
                    "sync_beats": n_sync,
                },
                events,
            )


def test_tapping_timing_measures(tmp_path):
    _tapping(tmp_path)
    result = analyze(tmp_path, statistics=False, figures=False, n_boot=10, n_boot_participant=0)
    per = result.tables["timing_per_trial"]
    assert len(per) == 6
    assert per["mean_asynchrony_ms"].tolist() == pytest.approx([-40.0] * 6, abs=1e-6)  # beats 2-11 (tap 1 reacts)
    assert per["mean_iti_ms"].tolist() == pytest.approx([500.0] * 6, abs=0.5)
    itis = np.tile([490.0, 510.0], 12)[:23]  # continuation taps only
    assert per["cv_iti"].iloc[0] == pytest.approx(np.std(itis, ddof=1) / itis.mean(), rel=1e-3)
    # alternating ITIs: lag-1 autocorrelation -1, all variance motor in the Wing-Kristofferson split
    assert per["lag1_autocorrelation"].iloc[0] == pytest.approx(-1.0, abs=0.05)
    assert per["clock_var_ms2"].iloc[0] == pytest.approx(0.0, abs=5.0)
    assert any(line.startswith("tapping: mean asynchrony -40.0 ms") for line in result.summary)


def test_paced_blocks_give_accuracy_per_tempo_step(tmp_path):
    data = load_protocol("srt-classic").model_dump(mode="json")
    data.update(
        name="paced",
        blocks=[{"kind": "sequence", "trials": 10, "repeat": 4, "pace": {"ioi_ms": 600, "target_ioi_ms": 500}}],
    )
    path = tmp_path / "paced.yaml"
    path.write_text(yaml.safe_dump(data))
    protocol = load_protocol(path)
    ioi = {1: 0.6, 2: 0.55, 3: 0.5, 4: 0.5}
    wrong = {1: 0, 2: 3, 3: 0, 4: 1}  # errors per block (10 trials)
    with RunWriter(tmp_path / "bids", protocol, "1", "1", 1, seed=0, source={"Type": "human"}) as writer:
        for row in generate_trials(protocol, "1", seed=0).itertuples(index=False):
            ok = int(row.trial > wrong[row.block])
            writer.write_trial(
                {**row._asdict(), "stimulus_onset": 0.0, "response": row.correct_key if ok else "x", "rt": 0.3,
                 "correct": ok, "n_presses": 1, "n_errors": 1 - ok, "ioi": ioi[row.block], "click_onset": 0.0}
            )  # fmt: skip
    result = analyze(tmp_path / "bids", statistics=False, figures=False, n_boot=10, n_boot_participant=0)
    steps = result.tables["phase_tempo"].set_index("ioi_ms")
    assert steps["accuracy"].to_dict() == pytest.approx({500.0: 0.95, 550.0: 0.7, 600.0: 1.0})
    reached = result.tables["phase_tempo_reached"].iloc[0]
    assert reached["tempo_reached_ms"] == 500 and reached["final_accuracy"] == pytest.approx(0.9)
