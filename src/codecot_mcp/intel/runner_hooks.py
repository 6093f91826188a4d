"""Code that reaches into the test runner or the process exit, in lines a change adds.

Outside the tests, a library has no business importing the test framework, registering
an exit hook or ending the process: each is a way for a change to decide how its own test
run ends (an `atexit` hook calling `os._exit(0)` after the failures were printed). Nor has
it any business knowing that it is under test: by the runner's state, by a test file it
looks for, or by a test among its callers, code can be right in the tests and wrong
everywhere else. Found by pattern on the added lines of code files that are not tests; a
finding is named in the verdict for a reviewer, never silently allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "imports the test framework",
        re.compile(
            r"^\s*(?:import|from)\s+(?:_?pytest|unittest|nose2?)\b"
            r"|(?:__import__|import_module)\(\s*['\"](?:_?pytest|unittest|nose2?)\b"
        ),
    ),
    # the module imported or used, not its name in a string (a list of stdlib module names)
    (
        "registers an exit hook",
        re.compile(
            r"^\s*(?:import|from)\s+atexit\b|\batexit\.\w|(?:__import__|import_module)\(\s*['\"]atexit"
        ),
    ),
    ("ends the process", re.compile(r"\bos\._exit\s*\(|\bos\.kill\s*\(\s*os\.getpid")),
    ("exits at import", re.compile(r"^(?:sys\.)?exit\s*\(|^raise\s+SystemExit\b")),
    ("rewrites the interpreter's exit", re.compile(r"\bsys\.(?:exit|excepthook)\s*=")),
    # the test tree is not held to the change budget; code the sources import from it would be
    (
        "imports from the test tree",
        re.compile(r"^\s*(?:from|import)\s+(?:\.*|(?:\w+\.)+)(?:tests?|__tests__)(?:[.\s,]|$)"),
    ),
    # code that knows it is under test can act as the base did while a base test runs
    (
        "reads the test runner's state",
        re.compile(
            r"\bPYTEST_(?:CURRENT_TEST|XDIST_\w+|VERSION)\b|['\"]PYTEST_[A-Z_]+['\"]|\b_called_from_test\b"
            r"|['\"](?:_?pytest|unittest|nose2?)['\"]\s+(?:not\s+)?in\s+sys\.modules"
            r"|sys\.modules(?:\.get\(|\[)\s*['\"](?:_?pytest|unittest|nose2?)['\"]"
            # the command line: run by the test runner, or asked for a test report
            r"|\bargv\b.*['\"][^'\"]*(?:py\.?test|unittest|nose|junit)"
            r"|['\"][^'\"]*(?:py\.?test|unittest|nose|junit)[^'\"]*['\"].*\bargv\b"
        ),
    ),
    # a check runs with CI set, as the project's own CI does: code can be right only there
    (
        "reads whether a machine runs it",
        re.compile(
            r"""\b(?:environ|getenv)\b[^\n]*['"](?:CI|GITHUB_ACTIONS|PYTHONDONTWRITEBYTECODE)['"]"""
            r"""|['"](?:CI|GITHUB_ACTIONS|PYTHONDONTWRITEBYTECODE)['"]\s+(?:not\s+)?in\s+(?:os\.)?environ\b"""
        ),
    ),
    # a test file's path: whether it exists, or what it says, tells the tests' run from any other
    (
        "names a test file",
        re.compile(
            r"""['"](?:[^'"\n]*/)?(?:tests?/|test_[\w.-]*\.py\b|[\w-]+_test\.py\b|conftest\.py\b)[^'"\n]*['"]"""
        ),
    ),
)
# Reading the call stack has honest uses (a caller's locals, a deprecation's origin); reading it
# in a change that also writes a string about tests is how code finds a test among its callers.
_CALLER_FRAMES = re.compile(
    r"\b(?:inspect\.(?:stack|currentframe|getouterframes|trace)|sys\._getframe|traceback\.(?:extract|walk)_stack)"
    r"\s*\(|\bf_back\b"
)
_ABOUT_TESTS = re.compile(r"""['"][^'"\n]*test[^'"\n]*['"]""", re.IGNORECASE)
# Codecot's own name in a string: its check folders, its sandbox's command line. A file that
# already spoke of Codecot before the change (Codecot's own code) is not asked.
_NAMES_CODECOT = re.compile(r"""['"][^'"\n]*codecot[^'"\n]*['"]""", re.IGNORECASE)


# JavaScript and TypeScript, for node's own test runner: library code has no reason to end
# the process or to pick the exit code (`process.exitCode = 0` after a failing test).
_JS_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("imports the test framework", re.compile(r"""(?:require\(|from\s+)\s*['"]node:test['"]""")),
    (
        "registers an exit hook",
        re.compile(r"""\bprocess\.(?:on|once|prependListener)\(\s*['"](?:exit|beforeExit)['"]"""),
    ),
    (
        "ends the process",
        re.compile(r"\bprocess\.(?:exit|reallyExit|abort)\s*\(|\bprocess\.kill\s*\(\s*process\.pid"),
    ),
    ("rewrites the process's exit", re.compile(r"\bprocess\.(?:exitCode|exit)\s*=[^=]")),
    (
        "imports from the test tree",
        re.compile(r"""(?:require\(|from\s+|import\s+)\s*['"][^'"]*/(?:tests?|__tests__)/"""),
    ),
    (
        "reads the test runner's state",
        re.compile(
            r"""\bprocess\.env(?:\.|\[\s*['"])(?:JEST_WORKER_ID|VITEST\w*|NODE_TEST_CONTEXT)\b"""
            r"""|\bNODE_ENV\s*[!=]==?\s*['"]test['"]|['"]test['"]\s*[!=]==?\s*process\.env\.NODE_ENV\b"""
        ),
    ),
    (
        "reads whether a machine runs it",
        re.compile(r"""\bprocess\.env(?:\.|\[\s*['"])(?:CI|GITHUB_ACTIONS)\b"""),
    ),
)
# language -> (its patterns, how a line comment starts)
_RULES: dict[str, tuple[tuple[tuple[str, re.Pattern[str]], ...], str]] = {
    "python": (_PATTERNS, "#"),
    "javascript": (_JS_PATTERNS, "//"),
    "typescript": (_JS_PATTERNS, "//"),
    "tsx": (_JS_PATTERNS, "//"),
}


def runner_hooks(text: str, lines: Iterable[tuple[int, int]], language: str = "python") -> list[str]:
    """`line N: what` for each added line (1-based inclusive ranges) that reaches the runner or exit.

    Python's and JavaScript's ways are known; other languages' files are not looked at (a Go
    or Rust command's `os.Exit` is how a program ends, not a sign of tampering).
    """
    patterns, comment = _RULES.get(language, ((), "#"))
    source = text.splitlines()
    added = [
        (number, source[number - 1])
        for start, end in lines
        for number in range(start, min(end, len(source)) + 1)
        if not source[number - 1].lstrip().startswith(comment)
    ]
    found: list[str] = []
    for number, line in added:
        found += [f"line {number}: {what}" for what, pattern in patterns if pattern.search(line)]
    numbers = {number for number, _ in added}
    kept = (line for number, line in enumerate(source, start=1) if number not in numbers)
    if patterns and not any("codecot" in line.lower() for line in kept):
        found += [
            f"line {n}: names Codecot, which runs its checks"
            for n, line in added
            if _NAMES_CODECOT.search(line)
        ]
    if language == "python" and any(_ABOUT_TESTS.search(line) for _, line in added):
        found += [
            f"line {n}: looks for a test among its callers"
            for n, line in added
            if _CALLER_FRAMES.search(line)
        ]
    return found
