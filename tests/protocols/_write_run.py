"""Child process for the kill test: writes trials of classroom slowly until killed."""

import sys
import time

from motorseq.protocols import generate_trials, load_protocol
from motorseq.protocols.io import RunWriter

root, resume = sys.argv[1], sys.argv[2] == "resume"
protocol = load_protocol("classroom")
trials = generate_trials(protocol, "01", seed=4)
writer = RunWriter(root, protocol, "01", "1", seed=4, resume=resume)
start = writer.next_trial_index
for row in trials.to_dict("records")[start - 1 :]:
    rt = 0.3 + 0.001 * row["trial_index"]
    onset = 0.7 * row["trial_index"]
    writer.write_trial(
        {
            **row,
            "stimulus_onset": onset,
            "response": row["correct_key"],
            "response_position": int(row["target"]),
            "rt": rt,
            "correct": 1,
            "n_presses": 1,
            "n_errors": 0,
        },
        [
            {
                "onset": onset + rt,
                "duration": 0.08,
                "key": row["correct_key"],
                "position": int(row["target"]),
                "rt": rt,
                "correct": 1,
            }
        ],
    )
    print(row["trial_index"], flush=True)
    if not resume:
        time.sleep(0.01)
writer.close("complete")
