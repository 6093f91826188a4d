"""Links in `.codecot/`, in watched files and a hand-edited task worktree: nothing is read,
written or run elsewhere."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from mcp.server.mcpserver.exceptions import ResourceError

from codecot_mcp.errors import UnsafePathError
from codecot_mcp.server.resources import _read_artifact
from codecot_mcp.services.drift import file_hashes, workdir_of
from codecot_mcp.services.operations import CAPTURE_INTENT, VALIDATE_CHANGE
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, TASKS, ArtifactStore
from tests.conftest import MakeRepo, deadline, git, make_task

DISCUSSION = "We need a CSV export of the orders.\nIt must stream rows.\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text("TOP SECRET\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------- artifact files


def test_a_linked_artifact_file_is_refused_not_served(make_repo: MakeRepo, outside: Path) -> None:
    ws = Workspace(make_repo())
    try:
        CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION)
        path = ws.store.path_of(INTENTS, "INT-1")
        path.unlink()
        path.symlink_to(outside / "secret.md")
        with pytest.raises(UnsafePathError, match=r"\.codecot/intents/INT-1\.md' is a symbolic link"):
            ws.store.load(INTENTS, "INT-1")
        with pytest.raises(ResourceError, match="symbolic link") as caught:
            _read_artifact(ws, "intents", "INT-1")
        assert "TOP SECRET" not in str(caught.value)
    finally:
        ws.close()


def test_a_linked_codecot_folder_is_never_written_through(make_repo: MakeRepo, outside: Path) -> None:
    root = make_repo()
    (root / ".codecot").symlink_to(outside, target_is_directory=True)
    before = sorted(p.name for p in outside.iterdir())
    with pytest.raises(UnsafePathError, match=r"'\.codecot' is a symbolic link"):
        ArtifactStore(root).create(TASKS, make_task)
    ws = Workspace(root)
    try:
        with pytest.raises(UnsafePathError, match=r"'\.codecot' is a symbolic link"):
            CAPTURE_INTENT.invoke(ws, discussion=DISCUSSION)
    finally:
        ws.close()
    assert sorted(p.name for p in outside.iterdir()) == before


def test_a_linked_kind_folder_or_event_log_is_refused(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "repo"
    store = ArtifactStore(root)
    store.ensure_layout()
    (store.dir / "tasks").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError, match=r"'\.codecot/tasks' is a symbolic link"):
        store.create(TASKS, make_task)
    with pytest.raises(UnsafePathError, match=r"'\.codecot/tasks' is a symbolic link"):
        store.ids(TASKS)
    (store.dir / "tasks").unlink()
    (store.dir / "events.jsonl").symlink_to(outside / "events.jsonl")
    with pytest.raises(UnsafePathError, match=r"'\.codecot/events\.jsonl' is a symbolic link"):
        store.create(TASKS, make_task)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.md"]


def test_an_artifact_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.create(TASKS, make_task)
    path = store.path_of(TASKS, "TASK-1")
    path.unlink()
    os.mkfifo(path)
    with deadline(), pytest.raises(UnsafePathError, match="not a regular file"):
        store.load(TASKS, "TASK-1")


# ---------------------------------------------------------------- task worktrees


def test_a_worktree_git_lists_is_used(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo()
    tree = tmp_path / "repo.worktrees" / "TASK-1"
    git(root, "worktree", "add", "-q", "-b", "codecot/task-1", str(tree))
    task = make_task("TASK-1", worktree=os.path.relpath(tree, root))
    assert workdir_of(root, task) == tree.resolve()


def test_a_hand_edited_worktree_naming_another_repository_is_not_used(make_repo: MakeRepo) -> None:
    root = make_repo()
    other = make_repo(name="other")
    for worktree in (os.path.relpath(other, root), str(other), "."):
        assert workdir_of(root, make_task("TASK-1", worktree=worktree)) == root
    assert workdir_of(root, make_task("TASK-1", worktree="../missing")) == root


def test_validating_a_task_whose_worktree_is_not_one_is_refused(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "A = 1\n"})
    other = make_repo({"b.py": "B = 1\n"}, name="other")
    ws = Workspace(root)
    ws.store.create(TASKS, lambda task_id: make_task(task_id, ["src/**"], os.path.relpath(other, root)))
    (root / "a.py").write_text("A = 2\n")
    with pytest.raises(UnsafePathError, match="not a git worktree of this repository"):
        VALIDATE_CHANGE.invoke(ws, task_id="TASK-1")
    ws.close()


# ---------------------------------------------------------------- drift


def test_drift_never_hashes_a_file_through_a_link(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "repo"
    (root / "real").mkdir(parents=True)
    (root / "b.txt").write_text("B\n", encoding="utf-8")
    (root / "real" / "c.txt").write_text("C\n", encoding="utf-8")
    (root / "a.txt").symlink_to("b.txt")  # a link to a file inside the repository
    (root / "leak.md").symlink_to(outside / "secret.md")
    (root / "via").symlink_to(root / "real", target_is_directory=True)
    (root / "zero").symlink_to("/dev/zero")
    os.mkfifo(root / "pipe")
    with deadline():
        hashes = file_hashes(root, ["a.txt", "b.txt", "leak.md", "via/c.txt", "zero", "pipe", "real/c.txt"])
    assert hashes["b.txt"] == hashlib.sha256(b"B\n").hexdigest()
    assert hashes["real/c.txt"] == hashlib.sha256(b"C\n").hexdigest()
    for linked in ("a.txt", "leak.md", "via/c.txt", "zero", "pipe"):
        assert hashes[linked] == "", linked  # absent, like a missing file: never its target's content
