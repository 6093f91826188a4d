"""What a change touches: new side from the index or a parse, removed definitions from the base."""

from pathlib import Path

from codecot_mcp.intel.changed_symbols import BlobReader, symbol_finder, touched
from codecot_mcp.intel.diff import collect_change
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.tags import Definition
from tests.conftest import MakeRepo, git

BEFORE = """def f():
    return 1


class R:
    def keep(self):
        return 2

    def gone(self):
        return 3
"""
AFTER = """def f():
    return 10


class R:
    def keep(self):
        return 2
"""
OTHER = "def helper():\n    return 0\n"


def changed_repo(make_repo: MakeRepo) -> Path:
    root = make_repo({"m.py": BEFORE, "old.py": OTHER})
    (root / "m.py").write_text(AFTER)
    (root / "old.py").unlink()
    return root


def symbols(root: Path, head: str | None, use_index: bool) -> dict[str, list[str]]:
    base = git(root, "rev-parse", "HEAD~1" if head else "HEAD").strip()
    change = collect_change(root, base, head)
    reader = BlobReader(root)
    index = CodeIndex.open(root) if use_index else None
    try:
        find = symbol_finder(change, root, index, reader)
        return {f.path: find(f) for f in change.files}
    finally:
        reader.close()
        if index is not None:
            index.close()


def test_a_working_tree_change_names_edited_and_removed_definitions(make_repo: MakeRepo) -> None:
    root = changed_repo(make_repo)
    assert symbols(root, None, use_index=True) == {
        "m.py": ["f", "R.gone (removed)"],
        "old.py": ["helper (removed)"],
    }


def test_a_commit_range_is_parsed_from_git_and_names_the_same(make_repo: MakeRepo) -> None:
    root = changed_repo(make_repo)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    assert symbols(root, "HEAD", use_index=False) == {
        "m.py": ["f", "R.gone (removed)"],
        "old.py": ["helper (removed)"],
    }


def test_without_the_index_the_working_tree_is_parsed(make_repo: MakeRepo) -> None:
    root = changed_repo(make_repo)
    assert symbols(root, None, use_index=False)["m.py"] == ["f", "R.gone (removed)"]


def test_each_span_names_its_innermost_definition_once() -> None:
    defs = [
        Definition("R", "class", 1, 10, None, "class R:"),
        Definition("a", "method", 2, 4, "R", "def a(self):"),
        Definition("b", "method", 6, 9, "R", "def b(self):"),
    ]
    assert touched(defs, [(3, 3), (2, 2), (5, 5), (7, 8), (20, 21)]) == ["R.a", "R", "R.b"]


def test_a_missing_blob_reads_as_none(make_repo: MakeRepo) -> None:
    root = make_repo({"m.py": BEFORE})
    reader = BlobReader(root)
    try:
        assert reader.read("HEAD", b"m.py") == BEFORE.encode()
        assert reader.read("HEAD", b"nope.py") is None
        assert reader.read("HEAD", b"m.py") == BEFORE.encode()  # the stream is still in step
    finally:
        reader.close()


def test_a_work_tree_file_is_read_only_when_it_is_a_regular_file_inside(tmp_path: Path) -> None:
    import os

    from codecot_mcp.intel.changed_symbols import read_work_file

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "m.py").write_text("SECRET = 1\n")
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "m.py").write_text("A = 1\n")
    (tree / "link.py").symlink_to(outside / "m.py")
    (tree / "linked").symlink_to(outside)
    os.mkfifo(tree / "pipe.py")
    assert read_work_file(tree, b"pkg/m.py") == b"A = 1\n"
    assert read_work_file(tree, b"link.py") is None
    assert read_work_file(tree, b"linked/m.py") is None
    assert read_work_file(tree, b"pipe.py") is None  # returns at once instead of blocking
