"""Code that reaches into the test runner or the process exit, in lines a change adds.

Outside the tests, a library has no business importing the test framework, registering
an exit hook or ending the process: each is a way for a change to decide how its own test
run ends (an `atexit` hook calling `os._exit(0)` after the failures were printed). Found by
pattern on the added lines of code files that are not tests; a finding is named in the
verdict for a reviewer, never silently allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("imports the test framework", re.compile(r"^\s*(?:import|from)\s+(?:_?pytest|unittest|nose2?)\b")),
    ("registers an exit hook", re.compile(r"\batexit\b")),
    ("ends the process", re.compile(r"\bos\._exit\s*\(|\bos\.kill\s*\(\s*os\.getpid")),
    ("exits at import", re.compile(r"^(?:sys\.)?exit\s*\(|^raise\s+SystemExit\b")),
    ("rewrites the interpreter's exit", re.compile(r"\bsys\.(?:exit|excepthook)\s*=")),
)


def runner_hooks(text: str, lines: Iterable[tuple[int, int]]) -> list[str]:
    """`line N: what` for each added line (1-based inclusive ranges) that reaches the runner or exit."""
    source = text.splitlines()
    found: list[str] = []
    for start, end in lines:
        for number in range(start, min(end, len(source)) + 1):
            line = source[number - 1]
            if line.lstrip().startswith("#"):
                continue
            found += [f"line {number}: {what}" for what, pattern in _PATTERNS if pattern.search(line)]
    return found
