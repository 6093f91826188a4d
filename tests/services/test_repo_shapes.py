"""Repositories of every shape: the main flows run on each, and what cannot work says why."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from codecot_mcp.errors import RepositoryError
from codecot_mcp.services.operations import (
    CAPTURE_INTENT,
    CONTEXT_PACK,
    DRAFT_SPEC,
    SCOPE_TASK,
    VALIDATE_CHANGE,
    WORKFLOW_STATUS,
)
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, git

FILES = {
    "app/report.py": "def render_report(rows):\n    return rows\n",
    "tests/test_report.py": "def test_render():\n    assert True\n",
    ".codecot/config.toml": '[checks]\nok = ["git", "--version"]\n',
}
DISCUSSION = "alice: render_report in app/report.py must sort rows.\nbob: Done when a test passes.\n"


def no_commits(make_repo: MakeRepo, tmp_path: Path) -> Path:
    return make_repo(FILES, commit=False)


def detached_head(make_repo: MakeRepo, tmp_path: Path) -> Path:
    root = make_repo(FILES)
    git(root, "checkout", "-q", "--detach")
    return root


def shallow_clone(make_repo: MakeRepo, tmp_path: Path) -> Path:
    source = make_repo(FILES, name="source")
    (source / "app" / "extra.py").write_text("X = 1\n")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "second")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{source}", str(clone)], check=True)
    return clone


def odd_names(make_repo: MakeRepo, tmp_path: Path) -> Path:
    root = make_repo(FILES)
    for name in ("with space.py", "ünïcode.py", "new\nline.py", "tab\there.py"):
        (root / "app" / name).write_text("def odd():\n    return 1\n")
    (root / "app" / "latin.py").write_bytes(b"# caf\xe9\ndef latin():\n    return 1\n")
    (root / "app" / "crlf.py").write_bytes(b"def crlf():\r\n    return 1\r\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "odd names and encodings")
    return root


def large_and_binary(make_repo: MakeRepo, tmp_path: Path) -> Path:
    root = make_repo(FILES)
    with (root / "app" / "big.bin").open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB without the disk cost
    (root / "app" / "blob.dat").write_bytes(os.urandom(4096))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a 100 MB file and a binary one")
    return root


def submodule_and_worktree(make_repo: MakeRepo, tmp_path: Path) -> Path:
    inner = make_repo({"lib.py": "L = 1\n"}, name="inner")
    root = make_repo(FILES)
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "vendor/inner")
    git(root, "commit", "-q", "-m", "a submodule")
    tree = tmp_path / "linked-tree"
    git(root, "worktree", "add", "-q", "-b", "side", str(tree))
    return tree  # work in the linked worktree, with the submodule pointer in it


SHAPES: dict[str, Callable[[MakeRepo, Path], Path]] = {
    "no commits": no_commits,
    "detached HEAD": detached_head,
    "shallow clone": shallow_clone,
    "odd names and encodings": odd_names,
    "100 MB and binary files": large_and_binary,
    "submodule in a linked worktree": submodule_and_worktree,
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_workflow_runs_on_every_shape_of_repository(
    make_repo: MakeRepo, tmp_path: Path, shape: str
) -> None:
    root = SHAPES[shape](make_repo, tmp_path)
    ws = Workspace(root)
    try:
        assert WORKFLOW_STATUS.invoke(ws).next_action
        pack = CONTEXT_PACK.invoke(ws, query="render_report sorts rows", token_budget=2000)
        assert pack.files and pack.files[0].path == "app/report.py"
        intent = CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION).intent
        spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
        task = SCOPE_TASK.invoke(ws, spec_id=spec.id, allowed_paths=["app/**", "tests/**"]).tasks[0]
        (root / "app" / "report.py").write_text("def render_report(rows):\n    return sorted(rows)\n")
        validation = VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation
        assert "app/report.py" in [f.path for f in validation.files]
        assert validation.checks and validation.checks[0].passed
        assert WORKFLOW_STATUS.invoke(ws).tasks[0].state in ("done", "in_progress")
    finally:
        ws.close()


def test_a_folder_that_is_not_a_repository_gets_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="not inside a git work tree"):
        Workspace(tmp_path)
