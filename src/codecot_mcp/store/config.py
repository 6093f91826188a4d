"""`.codecot/config.toml`: named checks, scope policy and budgets.

The file is written once, with defaults detected from the repository, the first
time Codecot needs it, and never rewritten after that: it belongs to the people
who review it. The one exception is a check a person confirms when asked (MCP
elicitation): it is added as one line to `[checks]`, the rest left as it was.
A missing file is never an error; a broken one is, with its line.

Edits go through tomlkit, which parses TOML into a document that keeps comments,
blank lines and layout, and writes values with TOML's own escaping. A line-based
edit could not tell `[checks] # mine` or an inline `checks = {...}` from "no
checks table", and JSON's string escapes (`\\ud83d\\ude00` for an emoji) are not
TOML. Reading stays on the standard library's tomllib: it returns plain dicts for
pydantic, and its errors name the line that `parse_config` reports.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections import deque
from pathlib import Path
from typing import Literal

import tomlkit
import tomlkit.exceptions
import tomlkit.items
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codecot_mcp.errors import ArtifactError, InvalidInputError
from codecot_mcp.repofiles import MissingFileError, RepoTree, UnreadableError
from codecot_mcp.store.fsio import atomic_write_text
from codecot_mcp.store.paths import MAX_STORE_FILE_BYTES

CONFIG_NAME = "config.toml"


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checks: dict[str, list[str]] = Field(
        default_factory=dict, description="Check name -> argument list, run without a shell."
    )
    scope_policy: Literal["warn", "fail"] = "warn"
    token_budget: int = Field(default=8000, ge=200, le=200_000)
    check_timeout_seconds: float = Field(default=600.0, gt=0, le=86_400)
    check_output_bytes: int = Field(default=65_536, ge=1024, le=16 * 1024 * 1024)
    parallel_checks: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Checks run at once; above 1 only for checks that are independent.",
    )
    max_files: int = Field(default=8, ge=1, description="Default change budget: files per task.")
    max_lines: int = Field(
        default=400, ge=1, description="Default change budget: added+deleted lines per task."
    )
    ci_untasked: Literal["fail", "allow"] = Field(
        default="fail",
        description="The CI gate's answer to a pull request that changes code and names no task.",
    )


# model field -> (table, key) in the TOML file
_FIELD_SOURCES: dict[str, tuple[str, str]] = {
    "scope_policy": ("scope", "policy"),
    "token_budget": ("budget", "tokens"),
    "max_files": ("budget", "max_files"),
    "max_lines": ("budget", "max_lines"),
    "check_timeout_seconds": ("limits", "check_timeout_seconds"),
    "check_output_bytes": ("limits", "check_output_bytes"),
    "parallel_checks": ("limits", "parallel_checks"),
    "ci_untasked": ("ci", "untasked"),
}
_TOML_LINE = re.compile(r"line (\d+)")
CHECK_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


# Where a Python project keeps its tests: pytest's default file names, and the folders
# that hold tests in a repository without a Python marker file at its root.
_PYTHON_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "pytest.ini", "tox.ini")
_PYTHON_TEST_FILE = re.compile(r"test_.*\.py|.*_test\.py")
_PYTHON_TEST_DIRS = frozenset({"test", "tests"})
# Folders never searched for tests: installed dependencies and build output. Dot-folders
# (.git, .venv, .tox) are skipped too.
_UNSEARCHED_DIRS = frozenset({"node_modules", "venv", "build", "dist", "target", "__pycache__"})
# How many directory entries the search looks at before giving up, so a huge tree stays quick.
PYTHON_TEST_WALK_LIMIT = 20_000
# What `npm init` writes as the test script: a placeholder that always fails.
_NPM_PLACEHOLDER = "no test specified"
_PACKAGE_JSON_BYTES = 1 << 20


def detect_checks(root: Path) -> dict[str, list[str]]:
    """Guess one check per ecosystem the repository has; people review the result.

    Names are stable and distinct so a polyglot repository keeps them all; Python's is
    `tests`, the name every earlier config used.
    """
    checks: dict[str, list[str]] = {}
    if _has_python_tests(root):
        checks["tests"] = ["python3", "-m", "pytest", "-q"]
    if _has_npm_test(root):
        checks["npm-test"] = ["npm", "test", "--silent"]
    if (root / "go.mod").exists():
        checks["go-test"] = ["go", "test", "./..."]
    if (root / "Cargo.toml").exists():
        checks["cargo-test"] = ["cargo", "test", "--quiet"]
    return checks


def _has_python_tests(root: Path) -> bool:
    """Whether a pytest-style test file exists anywhere below `root`, nested folders included.

    Any test file counts when the root has a Python marker; otherwise only one inside a
    `test`/`tests` folder does, so a stray script in a JavaScript repository does not.
    The search is breadth first, stops at the first hit and after `PYTHON_TEST_WALK_LIMIT`
    entries, and never enters dependencies, build output or symlinked folders.
    """
    anywhere = any((root / name).exists() for name in _PYTHON_MARKERS) or (root / "tests").is_dir()
    folders: deque[tuple[str, bool]] = deque([(str(root), False)])
    looked_at = 0
    while folders:
        folder, in_test_dir = folders.popleft()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    looked_at += 1
                    if looked_at > PYTHON_TEST_WALK_LIMIT:
                        return False
                    if entry.is_dir(follow_symlinks=False):
                        if not entry.name.startswith(".") and entry.name not in _UNSEARCHED_DIRS:
                            folders.append((entry.path, in_test_dir or entry.name in _PYTHON_TEST_DIRS))
                    elif (anywhere or in_test_dir) and _PYTHON_TEST_FILE.fullmatch(entry.name):
                        return True
        except OSError:
            continue  # an unreadable folder has no tests we could run anyway
    return False


def _has_npm_test(root: Path) -> bool:
    """Whether package.json has a real `scripts.test`, not npm's failing placeholder.

    Read as any repository file is: never through a link, never blocking on a FIFO.
    """
    try:
        data = json.loads(RepoTree(root).read_text("package.json", _PACKAGE_JSON_BYTES))
    except (ValueError, UnreadableError):
        return False
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return isinstance(test, str) and bool(test.strip()) and _NPM_PLACEHOLDER not in test


def _toml(value: str | list[str]) -> str:
    """A value as TOML writes it (JSON's `\\uXXXX` surrogate pairs are not valid TOML)."""
    return tomlkit.item(value).as_string()


def render_config(config: Config) -> str:
    lines = [
        "# Codecot configuration: see the README, section 'Configuration'.",
        "# Checks are argument lists, run by Codecot without a shell, in the repository root.",
        "[checks]",
    ]
    if not config.checks:
        lines.append('# tests = ["python3", "-m", "pytest", "-q"]')
    for name, argv in config.checks.items():
        lines.append(f"{name} = {_toml(argv)}")
    lines += [
        "",
        "[scope]",
        '# "warn" reports out-of-scope edits; "fail" makes them fail validation.',
        f"policy = {_toml(config.scope_policy)}",
        "",
        "[budget]",
        "# Default change budget of a new task, and the default token budget of a context pack.",
        f"max_files = {config.max_files}",
        f"max_lines = {config.max_lines}",
        f"tokens = {config.token_budget}",
        "",
        "[limits]",
        f"check_timeout_seconds = {config.check_timeout_seconds:g}",
        f"check_output_bytes = {config.check_output_bytes}",
        "# Checks run at once: raise it only when the checks do not share files or ports.",
        f"parallel_checks = {config.parallel_checks}",
        "",
    ]
    if config.ci_untasked != "fail":
        lines += [
            "[ci]",
            "# A pull request that changes code and names no task: fail or allow.",
            f"untasked = {_toml(config.ci_untasked)}",
            "",
        ]
    return "\n".join(lines)


def parse_config(text: str, display_path: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else len(text.splitlines()) or 1  # "at end of document"
        raise ArtifactError(
            f"invalid TOML: {exc}",
            path=display_path,
            line=line,
            hint="fix the syntax, or delete the file to have the defaults written again",
        ) from None
    values: dict[str, object] = {"checks": data.get("checks", {})}
    for field, (table, key) in _FIELD_SOURCES.items():
        section = data.get(table, {})
        if isinstance(section, dict) and key in section:
            values[field] = section[key]
    try:
        config = Config.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0])
        table, key = _FIELD_SOURCES.get(field, ("checks", str(first["loc"][-1])))
        raise ArtifactError(
            f"invalid value for '{table}.{key}' ({field}): {first['msg']}",
            path=display_path,
            line=_line_of(text, key),
            hint="see README, 'Configuration'",
        ) from None
    for name, argv in config.checks.items():
        if not argv or not all(arg for arg in argv):
            raise ArtifactError(
                f"check '{name}' needs a non-empty argument list",
                path=display_path,
                line=_line_of(text, name),
                hint='e.g. tests = ["python3", "-m", "pytest", "-q"]',
            )
    return config


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(key):
            return number
    return None


def load_config(codecot_dir: Path, repo_root: Path) -> Config:
    """Read the config, writing detected defaults first if there is none."""
    path = codecot_dir / CONFIG_NAME
    display = f".codecot/{CONFIG_NAME}"
    try:
        return parse_config(_read(repo_root, path, display), display)
    except FileNotFoundError:
        config = Config(checks=detect_checks(repo_root))
        atomic_write_text(path, render_config(config))
        return config


def _read(repo_root: Path, path: Path, display: str) -> str:
    """The config's text, never through a symlink (UnsafePathError) and never undecodable."""
    try:
        return RepoTree(repo_root).read_text(path.relative_to(repo_root).as_posix(), MAX_STORE_FILE_BYTES)
    except MissingFileError:
        raise FileNotFoundError(path) from None
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"not UTF-8 text: {exc.reason}", path=display, hint="save it as UTF-8") from None


def with_check(text: str, name: str, argv: list[str]) -> str:
    """`text` with `name = [argv]` added to its checks table, every other line kept.

    A file without a checks table gets one at its end, where it cannot capture keys
    written before it.
    """
    if not CHECK_NAME.fullmatch(name):
        raise InvalidInputError(f"'{name}' is not a check name", hint="letters, digits, '-' and '_'")
    if not argv or not all(argv):
        raise InvalidInputError(f"check '{name}' needs a non-empty argument list")
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError(
                f"check '{name}' has an argument that is not valid text: {arg!r}"
            ) from None
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise InvalidInputError(f"the config is not valid TOML: {exc}") from None
    checks = document.get("checks")
    if checks is None:
        checks = tomlkit.table()
        document.append("checks", checks)
    if not isinstance(checks, tomlkit.items.Table | tomlkit.items.InlineTable):
        raise InvalidInputError("'checks' in the config is not a table", hint="see README, 'Configuration'")
    if name in checks:
        raise InvalidInputError(f"the config already has a check named '{name}'")
    checks.append(name, argv)
    return document.as_string()


def add_checks(codecot_dir: Path, checks: dict[str, list[str]]) -> None:
    """Insert confirmed checks into the config file (call under the store lock)."""
    path = codecot_dir / CONFIG_NAME
    display = f".codecot/{CONFIG_NAME}"
    text = _read(codecot_dir.parent, path, display)
    existing = parse_config(text, display).checks
    for name, argv in checks.items():
        if name not in existing:
            text = with_check(text, name, argv)
    parse_config(text, display)  # never write a file that no longer loads
    atomic_write_text(path, text)
