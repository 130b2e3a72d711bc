"""Every text a participant sees, in one protocol block (``texts:``), so a lab can translate or reword it.

Participants never see the protocol's ``title`` or ``description`` (which may name the design,
e.g. "sequence - random - sequence", and so spoil an implicit-learning study); the first screen
shows ``texts.welcome_title`` and ``texts.welcome``. Each text may use the placeholders listed
for it in :data:`TEXT_PLACEHOLDERS`; any other placeholder is refused when the protocol is
loaded, so a run never stops on a text it cannot fill. The older ``instructions:`` block
(``welcome``, ``block``, ``break``, ``end``) is still read and folded into ``texts``.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

__all__ = [
    "Texts",
    "PLACEHOLDER_EXAMPLES",
    "TEXT_PLACEHOLDERS",
    "INSTRUCTION_FIELDS",
    "check_placeholders",
    "fold_instructions",
]

#: Longest participant text, in characters.
MAX_TEXT = 20_000

#: Every placeholder a text may use, with an example value to check a text against.
PLACEHOLDER_EXAMPLES: dict[str, Any] = {
    "keys": "D, F, J and K",
    "key_list": "D, F, J and K",
    "block": 2,
    "n_blocks": 8,
    "done": 3,
    "trial": 4,
    "n_trials": 12,
    "seconds": 5,
    "yes_key": "Y",
    "no_key": "N",
}

_KEYS = ("keys", "key_list")
_INSTRUCTION = (*_KEYS, "block", "n_blocks")  # what the old instructions block allowed, kept for its four texts

#: The placeholders each text may use (``{keys}`` and ``{key_list}`` are the response keys, e.g. "D, F, J and K").
TEXT_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "welcome_title": (),
    "welcome": _INSTRUCTION,
    "block": _INSTRUCTION,
    "block_complete": ("block", "n_blocks"),
    "practice_complete": (),
    "blocks_done": ("done", "n_blocks"),
    "continue_in": ("seconds",),
    "mean_rt": (),
    "mean_sequence_time": (),
    "accuracy": (),
    "more_accuracy": (),
    "more_speed": (),
    "break_title": (),
    "break": _INSTRUCTION,
    "welcome_back_title": (),
    "welcome_back": ("block", "n_blocks", "trial"),
    "continue_prompt": (),
    "tapping_trial": ("trial", "n_trials"),
    "rest": (),
    "next_trial": ("trial", "n_trials", "seconds"),
    "quit_title": (),
    "quit": ("yes_key", "no_key"),
    "stopped_title": (),
    "stopped": (),
    "end_title": (),
    "end": _INSTRUCTION,
    "close_prompt": (),
    "key_separator": (),
    "key_last_separator": (),
}

#: Texts the older ``instructions:`` block held.
INSTRUCTION_FIELDS = ("welcome", "block", "break", "end")


def check_placeholders(text: str, allowed: tuple[str, ...] | None = None) -> str:
    """Return ``text`` if it fills with the ``allowed`` placeholders only, else raise ``ValueError``.

    Parameters
    ----------
    text : str
        A participant text, e.g. ``"Press {keys}"``.
    allowed : tuple of str, optional
        Placeholder names the text may use (default: those of the instruction texts).

    Returns
    -------
    str
        ``text``, unchanged.
    """
    allowed = _INSTRUCTION if allowed is None else allowed
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as error:
        raise ValueError(f"{error} (write {{{{ and }}}} for a literal brace)") from None
    names = ", ".join(f"{{{name}}}" for name in allowed) if allowed else "none"
    for field in fields:
        if field not in allowed:
            raise ValueError(f"unknown placeholder {{{field}}}: allowed are {names} (write {{{{ for a brace)")
    try:
        text.format(**{name: PLACEHOLDER_EXAMPLES[name] for name in allowed})
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(f"a placeholder cannot be filled: {error}") from None
    return text


def _text(default: str, what: str) -> Any:
    return Field(default, max_length=MAX_TEXT, description=what)


class Texts(BaseModel):
    """Every text a participant sees; each has a default, each may be reworded or translated.

    Placeholders (``{keys}``, ``{block}`` ...) are filled in when the text is shown; which ones a
    text may use is in :data:`TEXT_PLACEHOLDERS`. Paragraphs are separated by a blank line; other
    line breaks and runs of spaces are joined into one space.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    welcome_title: str = _text("Welcome", "Heading of the first screen (never the protocol's title).")
    welcome: str = _text(
        "Keep your fingers on the keys {keys}. Press the key that the screen shows you, "
        "as quickly and as accurately as you can.\n\nPress space to begin.",
        "First screen: what to do.",
    )
    block: str = _text("Block {block} of {n_blocks}. Press space to start.", "Prompt before the next block.")
    block_complete: str = _text("Block {block} of {n_blocks} complete", "Heading after a block.")
    practice_complete: str = _text("Practice complete", "Heading after a practice block.")
    blocks_done: str = _text("{done} of {n_blocks} blocks done", "Label of the progress bar.")
    continue_in: str = _text("You can continue in {seconds} s", "Countdown while a minimum break lasts.")
    mean_rt: str = _text("Mean reaction time", "Feedback tile: mean RT of correct trials.")
    mean_sequence_time: str = _text("Mean sequence time", "Feedback tile (DSP): mean time of correct sequences.")
    accuracy: str = _text("Accuracy", "Feedback tile: proportion correct.")
    more_accuracy: str = _text("Please try to make fewer errors.", "Feedback below the target accuracy.")
    more_speed: str = _text("Good accuracy. Now try to be a little faster.", "Feedback at or above it.")
    break_title: str = _text("Break", "Heading of a break.")
    break_: str = Field(
        "Take a short break. Press space when you are ready.",
        alias="break",
        max_length=MAX_TEXT,
        description="Text of a break.",
    )
    welcome_back_title: str = _text("Welcome back", "Heading when a run is resumed.")
    welcome_back: str = _text(
        "The run continues with block {block} of {n_blocks}, trial {trial}.", "Text when a run is resumed."
    )
    continue_prompt: str = _text("Press space to continue.", "Prompt on the resume screen.")
    tapping_trial: str = _text("Trial {trial} of {n_trials}", "Finger tapping: above the sequence.")
    rest: str = _text("REST", "Finger tapping: the rest period.")
    next_trial: str = _text("Next trial ({trial} of {n_trials}) in {seconds} s", "Finger tapping: rest countdown.")
    quit_title: str = _text("Quit the experiment?", "Escape was pressed: heading.")
    quit: str = _text(
        "{yes_key}: quit now. Every finished trial is saved.\n\n{no_key}: go on with the experiment.",
        "Escape was pressed: the choice ({yes_key} and {no_key} are the keys that answer).",
    )
    stopped_title: str = _text("The experiment was stopped", "Heading after a confirmed quit.")
    stopped: str = _text("Every finished trial is saved.", "Text after a confirmed quit.")
    end_title: str = _text("", "Heading of the last screen.")
    end: str = _text("Thank you! The experiment is over.", "Last screen.")
    close_prompt: str = _text("Press space to close.", "Prompt on the last screen.")
    key_separator: str = Field(", ", max_length=20, description="Between keys in {keys}: 'D, F, J and K'.")
    key_last_separator: str = Field(" and ", max_length=20, description="Before the last key in {keys}.")

    @field_validator("*")
    @classmethod
    def _placeholders(cls, text: str, info: ValidationInfo) -> str:
        name = "break" if info.field_name == "break_" else info.field_name
        return check_placeholders(text, TEXT_PLACEHOLDERS[name])

    def get(self, name: str) -> str:
        """Return the text called ``name`` (as written in the protocol, ``break`` included)."""
        return self.break_ if name == "break" else getattr(self, name)


def fold_instructions(data: dict[str, Any]) -> dict[str, Any]:
    """Move an older ``instructions:`` block into ``texts:``; return the new mapping.

    Raises ``ValueError`` naming ``instructions.<text>`` for a bad text, an unknown field, or a
    text given in both blocks.
    """
    if "instructions" not in data:
        return data
    data = dict(data)
    old = data.pop("instructions")
    if not isinstance(old, dict):
        raise ValueError(f"instructions: a mapping of {', '.join(INSTRUCTION_FIELDS)} texts (or use texts:)")
    unknown = sorted(set(map(str, old)) - set(INSTRUCTION_FIELDS))
    if unknown:
        raise ValueError(
            f"instructions.{unknown[0]}: not an instructions text ({', '.join(INSTRUCTION_FIELDS)}); "
            "the other participant texts go in texts:"
        )
    try:
        Texts.model_validate(old)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"instructions.{'.'.join(map(str, first['loc']))}: {message}") from None
    texts = data.get("texts", {})
    if not isinstance(texts, dict):
        return data  # the texts field itself reports what is wrong with it
    both = sorted(set(old) & {"break" if key == "break_" else key for key in texts})
    if both:
        raise ValueError(f"instructions.{both[0]}: given in texts as well; write it once, in texts")
    data["texts"] = {**old, **texts}
    return data
