"""Shared fixtures: small real git repositories in temp folders."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# The server's tools in the order tools/list gives them.
TOOL_ORDER = [
    "capture_intent",
    "draft_spec",
    "scope_task",
    "context_pack",
    "validate_change",
    "workflow_status",
    "draft_pr",
]

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Build a git repository with the given files committed once."""

    def make(files: dict[str, str] | None = None, name: str = "repo", commit: bool = True) -> Path:
        root = tmp_path / name
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        write_files(root, files or {"README.md": "# sample\n"})
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "initial")
        return root

    return make


class Hung(Exception):
    """Raised by `deadline`'s alarm: not an OSError, so no file-reading code can swallow it."""


@contextmanager
def deadline(seconds: int = 5) -> Iterator[None]:
    """Fail, instead of hanging the suite, if the block blocks on a FIFO or reads /dev/zero forever."""

    def expired(signum: int, frame: object) -> None:
        raise Hung(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
