"""What a user looks for first: ``motorseq --version``, a LICENSE and a CITATION.cff that agree with pyproject."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_version_option_prints_the_installed_version():
    result = subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"motorseq {version('motorseq')}"
    assert version("motorseq") == PYPROJECT["version"]


def test_license_is_bsd_3_clause_of_the_motorseq_developers():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["license"]["text"] == "BSD-3-Clause"
    assert text.startswith("BSD 3-Clause License")
    assert re.search(r"Copyright \(c\) 20\d\d, motorseq developers", text)
    # the three clauses and the disclaimer
    for phrase in (
        "Redistributions of source code must retain",
        "Redistributions in binary form must reproduce",
        "Neither the name of the copyright holder",
        'PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"',
    ):
        assert phrase in text


def test_citation_cff_is_valid_cff_1_2_0():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    # required keys of the CFF 1.2.0 schema, and no key the schema does not know
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    known = {
        "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
        "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
        "repository-artifact", "repository-code", "title", "type", "url", "version",
    }  # fmt: skip
    assert set(cff) <= known, set(cff) - known
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"].strip()
    assert isinstance(cff["title"], str) and cff["title"].strip()
    assert cff["type"] in ("software", "dataset")
    # an author is a person (family-names / given-names / name-particle) or an entity (name)
    assert cff["authors"] and all(isinstance(a, dict) and ({"name"} & set(a) or {"family-names"} & set(a))
                                  for a in cff["authors"])  # fmt: skip
    assert [a.get("name") for a in cff["authors"]] == [author["name"] for author in PYPROJECT["authors"]]
    assert str(cff["version"]) == PYPROJECT["version"]
    assert cff["license"] == PYPROJECT["license"]["text"]
    dt.date.fromisoformat(str(cff["date-released"]))
    assert isinstance(cff["keywords"], list) and all(isinstance(k, str) for k in cff["keywords"])
