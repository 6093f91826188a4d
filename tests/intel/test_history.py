"""Co-change from the history is a weak ranking signal where there is history, and nothing without."""

from __future__ import annotations

from pathlib import Path

import pytest

from codecot_mcp.intel import index as index_module
from codecot_mcp.intel.gitrepo import head_commit, head_from_files
from codecot_mcp.intel.history import MAX_FILES_PER_COMMIT, parse_log, read_co_change, read_log
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.ranking import rank_files
from tests.conftest import git, write_files
from tests.intel.helpers import build_repo

FILES = {
    "app/parser.py": "def parse_header(text):\n    return text.split(':')\n",
    "app/registry.py": "HANDLERS = {}\n",
    "app/misc.py": "VALUE = 1\n",
}
QUERY = "parse_header drops what follows the second colon"


def test_the_log_is_read_as_pairs_and_a_sweep_is_skipped() -> None:
    sweep = "\n".join(f"f{n}.py" for n in range(MAX_FILES_PER_COMMIT + 1))
    history = parse_log(f"\x00\na.py\nb.py\n\x00\na.py\nb.py\nc.py\n\x00\n{sweep}\n\x00\nc.py\n")
    assert history.commits["a.py"] == 2 and history.commits["c.py"] == 2
    assert history.partners("a.py") == [("b.py", 2), ("c.py", 1)]
    assert "f0.py" not in history.commits


def _history(root: Path) -> None:
    """Three fixes that changed the parser with its registry, one that changed misc alone."""
    for n in range(3):
        write_files(root, {"app/parser.py": FILES["app/parser.py"] + f"# fix {n}\n"})
        write_files(root, {"app/registry.py": FILES["app/registry.py"] + f"# fix {n}\n"})
        git(root, "commit", "-qam", f"fix {n}")
    write_files(root, {"app/misc.py": "VALUE = 2\n"})
    git(root, "commit", "-qam", "misc")


def test_a_file_that_changed_with_the_top_match_ranks_above_one_that_did_not(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo", FILES)
    _history(root)
    with CodeIndex.open(root) as index:
        ranked = rank_files(index, QUERY)
    order = [r.path for r in ranked]
    assert order[0] == "app/parser.py"
    assert "app/registry.py" in order and "app/misc.py" not in order
    registry = next(r for r in ranked if r.path == "app/registry.py")
    assert any("changed together with top match app/parser.py" in reason for reason in registry.reasons)


def test_without_history_nothing_changes_and_nothing_breaks(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo", FILES)  # one commit: no pair has changed together twice
    with CodeIndex.open(root) as index:
        assert [r.path for r in rank_files(index, QUERY)] == ["app/parser.py"]
    assert read_co_change(root, None).commits == {}
    assert read_co_change(tmp_path, "HEAD").commits == {}  # not a repository: git fails, no history


def test_the_log_is_kept_in_the_cache_and_read_again_when_head_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_repo(tmp_path / "repo", FILES)
    _history(root)
    with CodeIndex.open(root) as index:
        first = index.co_change().commits
    runs: list[str | None] = []

    def counted(where: Path, head: str | None) -> str:
        runs.append(head)
        return read_log(where, head)

    monkeypatch.setattr(index_module, "read_log", counted)
    with CodeIndex.open(root) as index:  # a new process: the kept log, no git
        assert index.co_change().commits == first
        assert runs == []
        write_files(root, {"app/misc.py": "VALUE = 3\n"})
        git(root, "commit", "-qam", "misc again")
        assert index.co_change().commits["app/misc.py"] == first["app/misc.py"] + 1
    assert len(runs) == 1


def test_head_is_read_from_the_git_files_as_git_reads_it(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo", FILES)
    _history(root)
    assert head_from_files(root) == head_commit(root)  # a loose ref
    git(root, "pack-refs", "--all")
    assert head_from_files(root) == head_commit(root)  # packed
    git(root, "checkout", "-q", "--detach", "HEAD~1")
    assert head_from_files(root) == head_commit(root)  # detached
    git(root, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"), "HEAD~1")
    assert head_from_files(tmp_path / "side") == head_commit(tmp_path / "side")  # a linked worktree
    assert head_from_files(tmp_path / "side") != head_commit(root)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q")
    assert head_from_files(fresh) is None  # unborn: the caller asks git
