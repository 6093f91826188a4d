"""Scope rules: which paths a task may touch, and how a change measures up.

Globs use `*` within one path segment, `?` for one character and `**` for any
number of folders (`src/**/*.py`); a pattern ending in `/` means everything
below that folder. Forbidden wins over allowed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from codecot_mcp.errors import InvalidInputError

DEFAULT_FORBIDDEN = (".github/workflows/**", ".codecot/**")


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().removeprefix("./").lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    # DOTALL: `**` must match a newline in a name as `*` does, or '.github/workflows/x\ny.yml'
    # would slip past a forbidden '.github/workflows/**' while an allowed '.github/*/*' took it.
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def check_globs(patterns: Sequence[str]) -> list[str]:
    """Refuse globs that could only match outside the repository or inside `.git/`."""
    cleaned: list[str] = []
    for pattern in patterns:
        text = pattern.strip().replace("\\", "/")
        parts = text.split("/")
        if not text or text.startswith("/") or ".." in parts or ".git" in parts or "\x00" in text:
            raise InvalidInputError(
                f"'{pattern}' is not a repository path glob",
                hint="use paths relative to the repository root, e.g. 'src/**/*.py'; no '..', '/...' or .git",
            )
        cleaned.append(text)
    return cleaned


def glob_match(path: str, pattern: str) -> bool:
    return _compile(pattern).match(path) is not None


def first_match(path: str, patterns: Sequence[str]) -> str | None:
    return next((p for p in patterns if glob_match(path, p)), None)


def classify_path(path: str, allowed: Sequence[str], forbidden: Sequence[str]) -> tuple[bool, str]:
    """(in scope?, the reason) for one changed path."""
    hit = first_match(path, forbidden)
    if hit:
        return False, f"matches forbidden path '{hit}'"
    hit = first_match(path, allowed)
    if hit:
        return True, f"matches allowed path '{hit}'"
    return False, "outside the task's allowed paths"


_TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "testdata"})
_TEST_NAME = re.compile(
    r"^(?:test_.*\.py|.*_test\.(?:py|go|rb|cc|cpp|c)|conftest\.py|.*\.(?:test|spec)\.[cm]?[jt]sx?"
    r"|.*Tests?\.(?:java|cs|kt)|.*_spec\.rb)\Z",
    re.DOTALL,
)


def is_test_path(path: str) -> bool:
    """Test files by folder (tests/, __tests__/, spec/) or by name (test_x.py, x_test.go, x.spec.ts)."""
    parts = path.split("/")
    return any(part in _TEST_DIRS for part in parts[:-1]) or bool(_TEST_NAME.match(parts[-1]))


def test_globs_for(path: str) -> list[str]:
    """Where the tests of a source file usually live, across common layouts."""
    name = path.rsplit("/", 1)[-1]
    stem, _, ext = name.rpartition(".")
    if not stem or stem.startswith("__") or is_test_path(path):
        return []
    if ext == "py":
        return [f"**/test_{stem}.py", f"**/{stem}_test.py"]
    if ext in ("js", "jsx", "ts", "tsx", "mjs", "cjs"):
        return [f"**/{stem}.test.{ext}", f"**/{stem}.spec.{ext}"]
    if ext == "go":
        return [path.replace(".go", "_test.go")]
    if ext == "rb":
        return [f"**/{stem}_spec.rb", f"**/test_{stem}.rb"]
    if ext in ("java", "kt", "cs"):
        return [f"**/{stem}Test.{ext}", f"**/{stem}Tests.{ext}"]
    return []
