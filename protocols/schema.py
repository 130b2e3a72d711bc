"""The protocol schema: the whole design of one experiment, validated with pydantic.

One :class:`Protocol` is read from one YAML file and used unchanged by the PsychoPy task
and by the spiking model.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .labels import validate_group_label
from .texts import MAX_TEXT, PLACEHOLDER_EXAMPLES, TEXT_PLACEHOLDERS, Texts, check_placeholders, fold_instructions

__all__ = [
    "Protocol",
    "Position",
    "Block",
    "ResponseSettings",
    "AsrtSettings",
    "DspSettings",
    "FttSettings",
    "SctSettings",
    "Pace",
    "FeedbackSettings",
    "BreakSettings",
    "Texts",
    "TEXT_PLACEHOLDERS",
    "DisplaySettings",
    "Source",
    "Paradigm",
    "BlockKind",
    "PLACEHOLDERS",
    "check_placeholders",
    "MAX_NAME_LENGTH",
    "MAX_TOTAL_TRIALS",
    "MAX_TOTAL_BLOCKS",
]

Paradigm = Literal["srt", "asrt", "dsp", "ftt", "sct"]
BlockKind = Literal["practice", "sequence", "random", "pattern-alternating"]
Colour = str  # a PsychoPy colour name or hex ("#RRGGBB")

#: Placeholders the welcome, block, break and end texts may use, with example values (see ``TEXT_PLACEHOLDERS``).
PLACEHOLDERS = {name: PLACEHOLDER_EXAMPLES[name] for name in TEXT_PLACEHOLDERS["welcome"]}
#: Longest protocol name: it goes into every file name of a run (BIDS task label).
MAX_NAME_LENGTH = 64
#: Most trials in one run (all blocks, repeats expanded): 100 000 trials are a day at 1 s each.
MAX_TOTAL_TRIALS = 100_000
#: Most blocks in one run (repeats expanded).
MAX_TOTAL_BLOCKS = 1000
#: Most groups a protocol may list.
MAX_GROUPS = 100

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_KEY = re.compile(r"[a-z0-9]|space|left|right|up|down|num_[0-9]|[a-z]+")
#: The key that quits a running task (PsychoPy and browser): never a response key.
QUIT_KEY = "escape"


def _group_label(value: str) -> str:
    try:
        return validate_group_label(value, "group")
    except ValueError as error:  # LabelError: say it as a field problem
        raise ValueError(str(error).removeprefix("group: ")) from None


#: A group label (letters, digits, '-', '_'), as ``participants.tsv`` takes it.
GroupLabel = Annotated[str, AfterValidator(_group_label)]


class _Strict(BaseModel):
    # strict: `trials: true` is not 1 and `after_block: "no"` is not False; no inf or NaN anywhere
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Position(_Strict):
    """One response position: the key that answers it and its label on screen."""

    key: str = Field(max_length=20, description="PsychoPy key name that answers this position, e.g. 'z'.")
    label: str = Field("", max_length=200, description="Finger or position name shown in instructions.")

    @field_validator("key")
    @classmethod
    def _key_is_a_key_name(cls, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError(f"{key!r} is not a PsychoPy key name (lower case, e.g. 'z', 'space', 'num_1')")
        if key == QUIT_KEY:
            raise ValueError(f"{key!r} quits the task; it cannot answer a position")
        return key


class Pace(_Strict):
    """Paced practice: stimuli come at a metronome tempo, optionally getting faster.

    With ``target_ioi_ms`` the tempo ramps: the first paced block runs at ``ioi_ms``; after a
    paced block whose accuracy reaches ``criterion`` the next runs ``step_ms`` faster, down to
    ``target_ioi_ms`` (the tempo carries over from block to block of the run).
    """

    ioi_ms: float = Field(ge=150, le=5000, description="Metronome inter-onset interval (start tempo of a ramp), ms.")
    target_ioi_ms: float | None = Field(None, ge=150, le=5000, description="Ramp: fastest tempo, ms.")
    step_ms: float = Field(50, gt=0, le=2000, description="Ramp: faster by this much after a block at criterion, ms.")
    criterion: float = Field(0.9, ge=0, le=1, description="Ramp: block accuracy needed to move to the next tempo.")

    @model_validator(mode="after")
    def _ramp_goes_faster(self) -> Pace:
        if self.target_ioi_ms is not None and self.target_ioi_ms > self.ioi_ms:
            raise ValueError(f"target_ioi_ms {self.target_ioi_ms:g} is slower than the start ioi_ms {self.ioi_ms:g}")
        return self


class Block(_Strict):
    """One kind of block, repeated ``repeat`` times in a row."""

    kind: BlockKind
    trials: int = Field(gt=0, le=10_000, description="Trials per block (ASRT: including warm-up trials).")
    repeat: int = Field(1, gt=0, le=1000, description="How many such blocks follow each other.")
    sequence: Literal["assigned", "other"] = Field(
        "assigned", description="Which sequence a sequence block uses: the participant's, or the other one (transfer)."
    )
    label: str = Field("", max_length=200, description="Name of the block in instructions and data, e.g. 'transfer'.")
    pace: Pace | None = Field(None, description="Paced practice: a metronome sets the stimulus tempo (SRT).")


class ResponseSettings(_Strict):
    """How a response ends a trial and what follows it."""

    rule: Literal["first-press", "until-correct"] = "first-press"
    rsi_ms: float = Field(ge=0, le=10_000, description="Response-stimulus interval, ms.")
    timeout_ms: float | None = Field(None, gt=0, le=60_000, description="No response by then ends the trial (ms).")


class AsrtSettings(_Strict):
    """Alternating serial reaction time settings."""

    warmup_random: int = Field(5, ge=0, le=100, description="Random trials at the start of each block.")
    blocks_per_epoch: int = Field(5, gt=0, le=100)


class DspSettings(_Strict):
    """Discrete sequence production settings."""

    stimulus: Literal["one-by-one", "all-at-once"] = "one-by-one"
    inter_sequence_ms: float = Field(1000, ge=0, le=10_000, description="Interval between sequences, ms.")


class FttSettings(_Strict):
    """Finger tapping settings."""

    tap_s: float = Field(gt=0, le=600, description="Tapping period per trial, s.")
    rest_s: float = Field(ge=0, le=600, description="Rest between tapping periods, s.")


class SctSettings(_Strict):
    """Synchronisation-continuation tapping: tap with a metronome, then keep the tempo without it."""

    ioi_ms: float = Field(ge=150, le=3000, description="Metronome inter-onset interval, ms.")
    sync_beats: int = Field(12, ge=2, le=200, description="Beats with the metronome (synchronisation).")
    continuation_beats: int = Field(24, ge=2, le=500, description="Taps expected after it stops (continuation).")
    rest_s: float = Field(3, ge=0, le=600, description="Rest between trials, s.")


class FeedbackSettings(_Strict):
    """Feedback after trials and blocks."""

    after_block: bool = True
    show_mean_rt: bool = True
    show_accuracy: bool = True
    error_tone: bool = False
    target_accuracy: float = Field(0.92, ge=0, le=1, description="Below it, feedback asks for more accuracy.")


class BreakSettings(_Strict):
    """Breaks between blocks."""

    every_blocks: int = Field(1, gt=0)
    self_paced: bool = True
    min_s: float = Field(0, ge=0, le=600)


class DisplaySettings(_Strict):
    """Screen geometry (PsychoPy ``height`` units) and colours."""

    background: Colour = "#808080"
    placeholder: Colour = "#FFFFFF"
    target: Colour = "#000000"
    text: Colour = "#FFFFFF"
    target_shape: Literal["fill", "star", "dog"] = Field(
        "fill", description="Target: the position's box filled, an asterisk (Nissen & Bullemer) or a dog's head (ASRT)."
    )
    stimulus_size: float = Field(0.1, gt=0, le=1)
    spacing: float = Field(0.2, gt=0, le=1, description="Centre-to-centre distance of positions.")
    font_height: float = Field(0.04, gt=0, le=0.5)

    @field_validator("background", "placeholder", "target", "text")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not (_HEX.fullmatch(value) or value.isalpha()):
            raise ValueError(f"{value!r} is not a colour: use '#RRGGBB' or a colour name")
        return value


class Source(_Strict):
    """Where the design comes from, and which of its parameters are verified."""

    citation: str = Field(min_length=5, max_length=MAX_TEXT)
    doi: str = Field("", max_length=200)
    verified: list[str] = Field(default_factory=list, description="Parameters checked against the paper.")
    conventional: list[str] = Field(default_factory=list, description="Parameters that are conventional defaults.")
    notes: str = Field("", max_length=MAX_TEXT)


class Protocol(_Strict):
    """The whole design of one experiment.

    Validated on load: positions, sequences, blocks and the settings of the paradigm must agree.
    """

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        max_length=MAX_NAME_LENGTH,
        description="Protocol name (lower-case letters, digits, '-'); letters/digits kept for BIDS.",
    )
    title: str = Field(max_length=500, description="For the experimenter and the data; participants never see it.")
    description: str = Field("", max_length=MAX_TEXT, description="For the experimenter; never shown.")
    paradigm: Paradigm
    positions: list[Position] = Field(min_length=1, max_length=12)
    sequences: list[list[int]] = Field(min_length=1, max_length=100)
    assignment: Literal["counterbalance", "all"] = "counterbalance"
    blocks: list[Block] = Field(min_length=1, max_length=MAX_TOTAL_BLOCKS)
    response: ResponseSettings
    asrt: AsrtSettings | None = None
    dsp: DspSettings | None = None
    ftt: FttSettings | None = None
    sct: SctSettings | None = None
    feedback: FeedbackSettings = FeedbackSettings()
    breaks: BreakSettings = BreakSettings()
    texts: Texts = Field(default_factory=Texts, description="Every text a participant sees (translatable).")
    groups: list[GroupLabel] = Field(
        default_factory=list,
        max_length=MAX_GROUPS,
        description="Groups a participant can be in (offered by the start dialog, checked for run --group).",
    )
    display: DisplaySettings = DisplaySettings()
    source: Source
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Default seed for trial generation when none is given.")

    @model_validator(mode="before")
    @classmethod
    def _old_instructions(cls, data: Any) -> Any:
        return fold_instructions(data) if isinstance(data, dict) else data

    @field_validator("sequences")
    @classmethod
    def _sequences_not_empty(cls, sequences: list[list[int]], info: Any) -> list[list[int]]:
        shortest = 1 if info.data.get("paradigm") == "sct" else 2  # tapping may use one key
        for i, seq in enumerate(sequences):
            if len(seq) < shortest:
                raise ValueError(f"sequence {i + 1} has {len(seq)} element(s); at least {shortest} are needed")
            if len(seq) > 100:
                raise ValueError(f"sequence {i + 1} has {len(seq)} elements; at most 100 are allowed")
        return sequences

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        if self.n_trials > MAX_TOTAL_TRIALS:
            raise ValueError(f"blocks: {self.n_trials} trials in a run; at most {MAX_TOTAL_TRIALS} are allowed")
        if self.n_blocks > MAX_TOTAL_BLOCKS:
            raise ValueError(f"blocks: {self.n_blocks} blocks in a run (repeats counted); at most {MAX_TOTAL_BLOCKS}")
        n = len(self.positions)
        if n < 2 and self.paradigm != "sct":
            raise ValueError(f"positions: {self.paradigm} needs at least 2 positions, got {n} (only sct taps one key)")
        keys = [p.key for p in self.positions]
        if len(set(keys)) != n:
            raise ValueError(f"positions: keys must differ, got {keys}")
        for i, seq in enumerate(self.sequences):
            bad = [x for x in seq if not 1 <= x <= n]
            if bad:
                raise ValueError(f"sequences.{i}: positions {bad} outside 1..{n}")
        kinds = {b.kind for b in self.blocks}
        if self.paradigm == "asrt":
            if self.asrt is None:
                raise ValueError("asrt: settings are required when paradigm is 'asrt'")
            for i, seq in enumerate(self.sequences):
                if sorted(seq) != list(range(1, n + 1)):
                    raise ValueError(f"sequences.{i}: an ASRT pattern uses each of the {n} positions once, got {seq}")
            if "sequence" in kinds:
                raise ValueError("blocks: an ASRT protocol uses 'pattern-alternating' blocks, not 'sequence'")
            for b in self.blocks:
                if b.kind == "pattern-alternating" and b.trials <= self.asrt.warmup_random:
                    raise ValueError(
                        f"blocks: {b.trials} trials leave none after {self.asrt.warmup_random} warm-up trials"
                    )
        elif "pattern-alternating" in kinds:
            raise ValueError(f"blocks: 'pattern-alternating' blocks need paradigm 'asrt', not {self.paradigm!r}")
        if self.paradigm == "ftt" and self.ftt is None:
            raise ValueError("ftt: settings are required when paradigm is 'ftt'")
        if self.paradigm == "sct" and self.sct is None:
            raise ValueError("sct: settings are required when paradigm is 'sct'")
        for i, b in enumerate(self.blocks):
            if b.pace is not None and self.paradigm != "srt":
                raise ValueError(f"blocks.{i}.pace: paced blocks are for paradigm 'srt', not {self.paradigm!r}")
            if self.paradigm == "sct" and b.kind != "sequence":
                raise ValueError(f"blocks.{i}.kind: a tapping (sct) block is 'sequence', not {b.kind!r}")
        if self.paradigm == "dsp" and self.dsp is None:
            raise ValueError("dsp: settings are required when paradigm is 'dsp'")
        if self.paradigm in ("srt", "asrt"):
            for i, seq in enumerate(self.sequences):
                if self.paradigm == "srt" and any(a == b for a, b in zip(seq, seq[1:] + seq[:1], strict=True)):
                    raise ValueError(f"sequences.{i}: an SRT sequence must not repeat a position immediately")
        if len(set(self.groups)) != len(self.groups):
            raise ValueError(f"groups: {sorted({g for g in self.groups if self.groups.count(g) > 1})} listed twice")
        if any(b.sequence == "other" for b in self.blocks) and len(self.sequences) < 2:
            raise ValueError("blocks: a block uses the 'other' sequence but only one sequence is given")
        return self

    @property
    def keys(self) -> list[str]:
        """Keys of the positions, in position order."""
        return [p.key for p in self.positions]

    @property
    def n_blocks(self) -> int:
        """Number of blocks in the run, repeats expanded."""
        return sum(b.repeat for b in self.blocks)

    @property
    def n_trials(self) -> int:
        """Number of trials in the run, repeats expanded."""
        return sum(b.trials * b.repeat for b in self.blocks)
