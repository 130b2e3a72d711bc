"""Columns of the trial files: type, units and description, for the BIDS sidecars."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Column", "BEH_COLUMNS", "EVENT_COLUMNS", "PARTICIPANT_COLUMNS", "describe"]


@dataclass(frozen=True)
class Column:
    """One column: its dtype (``int``, ``float``, ``str``), units and description."""

    name: str
    dtype: str
    description: str
    units: str | None = None
    levels: dict[str, str] = field(default_factory=dict)
    required: bool = True


BLOCK_KINDS = {
    "practice": "practice block (random trials)",
    "sequence": "the sequence repeats",
    "random": "random positions",
    "pattern-alternating": "ASRT: pattern elements alternate with random ones",
}

BEH_COLUMNS: tuple[Column, ...] = (
    Column("block", "int", "Block number in the run, from 1."),
    Column("block_kind", "str", "Kind of block.", levels=BLOCK_KINDS),
    Column("epoch", "int", "ASRT: epoch of 5 learning blocks; other paradigms: learning block number; 0 for practice."),
    Column("trial", "int", "Trial number within the block, from 1."),
    Column("trial_index", "int", "Trial number within the run, from 1."),
    Column(
        "trial_type",
        "str",
        "Kind of trial.",
        levels={
            "sequence": "element of the repeating sequence",
            "random": "random element",
            "pattern": "ASRT pattern element",
        },
    ),
    Column(
        "triplet_type",
        "str",
        "ASRT triplet closed by this trial (n/a: other paradigms, practice, first two trials of a block).",
        levels={
            "H": "high-frequency triplet",
            "L": "low-frequency triplet",
            "T": "trill (a-b-a)",
            "R": "repetition (a-a-a)",
        },
    ),
    Column("target", "str", "Target position (1 = leftmost); DSP and FTT: the whole sequence, e.g. 4-1-3-2-4."),
    Column("correct_key", "str", "Key(s) that answer the target."),
    Column("sequence_id", "int", "Index of the protocol sequence used (from 1); 0 for random trials."),
    Column("stimulus_onset", "float", "Onset of the stimulus (screen flip) from the start of the run.", "s"),
    Column("response", "str", "First key pressed (n/a: no response before the timeout)."),
    Column("response_position", "int", "Position of the first key pressed (n/a: none)."),
    Column("rt", "float", "Time of the first key press from stimulus onset.", "s"),
    Column(
        "correct",
        "int",
        "1 if the first response was correct (DSP: the whole sequence; FTT: n/a).",
        levels={"0": "error", "1": "correct"},
    ),
    Column("n_presses", "int", "Key presses in the trial (FTT: taps in the tapping period)."),
    Column("execution_time", "float", "DSP: last key press minus stimulus onset; n/a otherwise.", "s"),
    Column("n_correct_sequences", "int", "FTT: complete correct sequences typed in the trial; n/a otherwise."),
    Column("n_errors", "int", "Presses of a wrong key in the trial."),
    Column(
        "ioi",
        "float",
        "Paced trials (metronome): inter-onset interval of the metronome; n/a when self-paced.",
        "s",
        required=False,
    ),
    Column(
        "click_onset",
        "float",
        "Paced and tapping trials: scheduled onset of the (first) metronome click from the start of the run; "
        "click k of a tapping trial is at click_onset + k * ioi.",
        "s",
        required=False,
    ),
    Column(
        "sync_beats",
        "int",
        "Synchronisation-continuation tapping: metronome beats before it stops; n/a otherwise.",
        required=False,
    ),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("onset", "float", "Time of the key press from the start of the run.", "s"),
    Column("duration", "float", "How long the key was held (n/a: not measured).", "s"),
    Column("trial_type", "str", "Event kind.", levels={"keypress": "a key press"}),
    Column("block", "int", "Block number in the run, from 1."),
    Column("trial_index", "int", "Trial number within the run, from 1."),
    Column("key", "str", "Key pressed."),
    Column("position", "int", "Position of the key pressed (n/a: not a response key)."),
    Column("rt", "float", "Time of the press from the trial's stimulus onset.", "s"),
    Column(
        "correct",
        "int",
        "1 if this was the key expected at that point.",
        levels={"0": "wrong key", "1": "expected key"},
    ),
)

PARTICIPANT_COLUMNS: tuple[Column, ...] = (
    Column("participant_id", "str", "Participant label with the sub- prefix."),
    Column(
        "source",
        "str",
        "Who performed the task.",
        levels={
            "human": "a person",
            "model": "the motorseq spiking model",
            "simulated": "scripted key presses (pilot or test runs of the task)",
            "browser": "a person in a web browser (motorseq serve)",
        },
    ),
    Column("group", "str", "Group or condition (n/a if none)."),
)


def describe(columns: tuple[Column, ...]) -> dict[str, dict]:
    """Return the BIDS sidecar description of ``columns`` (``Description``, ``Units``, ``Levels``)."""
    out: dict[str, dict] = {}
    for column in columns:
        entry: dict = {"Description": column.description}
        if column.units:
            entry["Units"] = column.units
        if column.levels:
            entry["Levels"] = dict(column.levels)
        out[column.name] = entry
    return out
