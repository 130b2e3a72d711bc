"""The tests name no path of one machine: they run on any clone (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# an absolute path into a user's or a server's tree, written as a literal
MACHINE_PATH = re.compile(r"""["'](/work/|/home/|/Users/|/root/|C:\\\\)""")


def test_no_machine_specific_path_in_the_tests():
    found = [
        f"{path.relative_to(TESTS)}:{n}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != Path(__file__).name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]
    assert found == []
