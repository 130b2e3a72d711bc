"""models/README.md documents exactly the default parameters the code uses."""

from __future__ import annotations

from pathlib import Path

from motorseq.models.parameter_table import parameter_tables

README = Path(__file__).resolve().parents[2] / "models" / "README.md"


def test_readme_parameter_section_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Parameters") :]
    assert section == parameter_tables(), "regenerate with: python -m motorseq.models.parameter_table"
