"""Symlinks and special files in the work tree: the index, the diff and requirement coverage
never read through a link out of the repository, and never open a FIFO or a device."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from codecot_mcp.errors import UnsafePathError
from codecot_mcp.intel.diff import _sniff, collect_change
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.parsing import parse_file
from codecot_mcp.intel.treedigest import file_digest
from codecot_mcp.repofiles import RepoTree
from codecot_mcp.services.context import repo_map
from codecot_mcp.services.evidence import Judged
from codecot_mcp.services.evidence import coverage as coverage_of
from codecot_mcp.services.operations import CONTEXT_PACK
from codecot_mcp.services.workspace import Workspace
from tests.conftest import deadline, git, make_task
from tests.intel.helpers import build_repo

SECRET = "def leaked_outside_secret():\n    return 'OUTSIDE_TOKEN'\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.py").write_text(SECRET, encoding="utf-8")
    return folder


def _swap_for_link(folder: Path, target: Path) -> None:
    shutil.rmtree(folder)
    folder.symlink_to(target, target_is_directory=True)


# ---------------------------------------------------------------- index


def test_a_committed_folder_replaced_by_a_link_outside_is_not_indexed(tmp_path: Path, outside: Path) -> None:
    root = build_repo(tmp_path / "repo", {"app.py": "def main():\n    pass\n", "lib/secret.py": "x = 1\n"})
    _swap_for_link(root / "lib", outside)
    ws = Workspace(root)
    try:
        index = ws.index()
        assert "lib/secret.py" not in index.files()
        assert index.definitions("leaked_outside_secret") == []
        assert "leaked_outside_secret" not in repo_map(ws)
        pack = CONTEXT_PACK.invoke(ws, query="leaked outside secret")
        assert "OUTSIDE_TOKEN" not in pack.text and "leaked_outside_secret" not in pack.text
    finally:
        ws.close()


def test_a_warm_index_drops_a_folder_once_it_becomes_a_link(tmp_path: Path, outside: Path) -> None:
    (outside / "secret.py").write_text("y = 2\n", encoding="utf-8")  # the same size as the committed one
    root = build_repo(tmp_path / "repo", {"app.py": "def main():\n    pass\n", "lib/secret.py": "x = 1\n"})
    with CodeIndex.open(root) as index:
        assert index.has_file("lib/secret.py")
        _swap_for_link(root / "lib", outside)
        with pytest.raises(UnsafePathError, match="symbolic link"):
            index.read_text("lib/secret.py")  # not refreshed yet: still refused
        index.refresh()
        assert not index.has_file("lib/secret.py")


def test_an_untracked_symlinked_file_is_not_indexed(tmp_path: Path, outside: Path) -> None:
    root = build_repo(tmp_path / "repo", {"app.py": "def main():\n    pass\n"})
    (root / "leak.py").symlink_to(outside / "secret.py")
    with CodeIndex.open(root) as index:
        assert not index.has_file("leak.py")
        assert index.definitions("leaked_outside_secret") == []


def test_parse_file_refuses_links_and_never_blocks_on_a_fifo(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "repo"
    (root / "lib").mkdir(parents=True)
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "via").symlink_to(outside, target_is_directory=True)
    os.mkfifo(root / "pipe.py")
    with deadline():
        assert parse_file(str(root), "link.py", None) is None
        assert parse_file(str(root), "via/secret.py", None) is None
        assert parse_file(str(root), "pipe.py", None) is None


# ---------------------------------------------------------------- diff


def test_an_untracked_symlink_counts_as_its_link_text_not_its_target(tmp_path: Path, outside: Path) -> None:
    root = build_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    (root / "leak.py").symlink_to(outside / "secret.py")
    first = collect_change(root, None)
    (outside / "secret.py").write_text(SECRET * 50, encoding="utf-8")
    second = collect_change(root, None)
    [leak] = [f for f in first.files if f.path == "leak.py"]
    assert (leak.status, leak.added, leak.binary, leak.hunks) == ("untracked", 1, False, [(1, 1)])
    assert first.digest == second.digest  # the target's content is never hashed


def test_untracked_links_to_devices_do_not_hang(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    (root / "zero").symlink_to("/dev/zero")
    with deadline():
        change = collect_change(root, None)
    [zero] = [f for f in change.files if f.path == "zero"]
    assert (zero.added, zero.binary) == (1, False)


def test_a_fifo_is_binary_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with deadline():
        assert _sniff(RepoTree(tmp_path), "pipe") == (True, 0)
        assert file_digest(RepoTree(tmp_path), "pipe") == "fifo"


# ---------------------------------------------------------------- requirement coverage


def test_a_test_file_linked_outside_or_replaced_by_a_fifo_gives_no_evidence(
    tmp_path: Path, outside: Path
) -> None:
    (outside / "test_secret.py").write_text("def test_req_1_1():\n    pass\n", encoding="utf-8")
    root = build_repo(tmp_path / "repo", {"app.py": "x = 1\n", "tests/test_pipe.py": "x = 1\n"})
    (root / "tests" / "test_leak.py").symlink_to(outside / "test_secret.py")
    (root / "tests" / "test_zero.py").symlink_to("/dev/zero")
    git(root, "add", "tests")
    git(root, "commit", "-q", "-m", "links")
    (root / "tests" / "test_pipe.py").unlink()
    os.mkfifo(root / "tests" / "test_pipe.py")
    with deadline():
        [coverage] = coverage_of(make_task(), root, Judged([], []))
    assert coverage.evidence == [] and not coverage.covered
