"""Shared fixtures: small real git repositories in temp folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

import codecot_mcp
from codecot_mcp.domain.models import ChangeBudget, Task

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


def alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (dead, not yet reaped by its parent) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: a zombie looks alive here
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def survivors(pids: Iterable[int], within: float = 10.0) -> list[int]:
    """The processes of `pids` still alive after waiting up to `within` seconds for all to end."""
    waiting = list(pids)
    give_up = time.monotonic() + within
    while (waiting := [pid for pid in waiting if alive(pid)]) and time.monotonic() < give_up:
        time.sleep(0.05)
    return waiting


_CODECOT_SOURCE = str(Path(codecot_mcp.__file__).parent) + os.sep


def threads_in_codecot() -> list[int]:
    """The other threads now running Codecot's code, e.g. a tool call its client gave up on."""
    busy: list[int] = []
    for ident, top in sys._current_frames().items():
        if ident == threading.get_ident():
            continue
        frame: FrameType | None = top
        while frame is not None and not frame.f_code.co_filename.startswith(_CODECOT_SOURCE):
            frame = frame.f_back
        if frame is not None:
            busy.append(ident)
    return busy


def codecot_settles(within: float = 30.0) -> bool:
    """Wait up to `within` seconds until no other thread runs Codecot's code; False if one still does."""
    give_up = time.monotonic() + within
    while threads_in_codecot():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.02)
    return True


def make_task(task_id: str = "TASK-1", allowed: list[str] | None = None, worktree: str | None = None) -> Task:
    """A task record built by hand, for tests of what reads one (coverage, worktrees, links)."""
    return Task(
        id=task_id,
        spec_id="SPEC-1",
        title="t",
        requirement_ids=["REQ-1.1"],
        allowed_paths=allowed or ["**"],
        budget=ChangeBudget(max_files=5, max_lines=100),
        base_commit=None,
        worktree=worktree,
        created_at="2026-01-01T00:00:00Z",
    )
