from collections.abc import Callable
from pathlib import Path

import pytest

from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.diff import collect_change
from tests.conftest import MakeRepo, git

BASE_FILES = {
    "src/app.py": "def a():\n    return 1\n\n\ndef b():\n    return 2\n",
    "README.md": "# x\n",
    "old.txt": "one\ntwo\nthree\nfour\nfive\n",
}


def modify(root: Path) -> None:
    (root / "src/app.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 3\n")


def add_staged(root: Path) -> None:
    (root / "src/new.py").write_text("x = 1\ny = 2\n")
    git(root, "add", "src/new.py")


def add_untracked(root: Path) -> None:
    (root / "notes.txt").write_text("a\nb\nc")


def delete(root: Path) -> None:
    (root / "README.md").unlink()


def rename(root: Path) -> None:
    git(root, "mv", "old.txt", "new.txt")


def binary(root: Path) -> None:
    (root / "logo.bin").write_bytes(b"\x00\x01\x02" * 100)
    git(root, "add", "logo.bin")


@pytest.mark.parametrize(
    ("edit", "path", "status", "added", "deleted", "is_binary"),
    [
        (modify, "src/app.py", "modified", 1, 1, False),
        (add_staged, "src/new.py", "added", 2, 0, False),
        (add_untracked, "notes.txt", "untracked", 3, 0, False),
        (delete, "README.md", "deleted", 0, 1, False),
        (rename, "new.txt", "renamed", 0, 0, False),
        (binary, "logo.bin", "added", 0, 0, True),
    ],
)
def test_each_kind_of_change_is_seen_in_the_working_tree(
    make_repo: MakeRepo,
    edit: Callable[[Path], None],
    path: str,
    status: str,
    added: int,
    deleted: int,
    is_binary: bool,
) -> None:
    root = make_repo(BASE_FILES)
    edit(root)
    change = collect_change(root, None)
    assert [(f.path, f.status, f.added, f.deleted, f.binary) for f in change.files] == [
        (path, status, added, deleted, is_binary)
    ]


def test_a_modified_line_is_reported_as_a_hunk_of_the_new_file(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    modify(root)
    assert collect_change(root, None).files[0].hunks == [(6, 6)]


def test_codecot_artifacts_are_not_part_of_a_change(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    (root / ".codecot" / "tasks").mkdir(parents=True)
    (root / ".codecot" / "tasks" / "TASK-1.json").write_text("{}")
    assert collect_change(root, None).files == []


def test_the_digest_changes_with_every_edit(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    empty = collect_change(root, None).digest
    add_untracked(root)
    first = collect_change(root, None).digest
    (root / "notes.txt").write_text("a\nb\nd")
    assert len({empty, first, collect_change(root, None).digest}) == 3


def test_a_commit_range_is_compared_without_the_working_tree(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    base = git(root, "rev-parse", "HEAD").strip()
    modify(root)
    git(root, "commit", "-qam", "change")
    add_untracked(root)
    change = collect_change(root, base, "HEAD")
    assert [f.path for f in change.files] == ["src/app.py"]


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "-p", "a..b", "x y"])
def test_refs_that_git_would_read_as_options_are_refused(make_repo: MakeRepo, ref: str) -> None:
    root = make_repo(BASE_FILES)
    with pytest.raises(InvalidInputError):
        collect_change(root, ref)


def test_a_repository_with_no_commits_diffs_against_the_empty_tree(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n"}, commit=False)
    assert [f.path for f in collect_change(root, None).files] == ["a.py"]
