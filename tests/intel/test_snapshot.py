"""The snapshot holds exactly the judged content, and its digest tells any later change apart."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel import snapshot as snapshot_module
from codecot_mcp.intel.snapshot import (
    SnapshotTooLargeError,
    commit_edits,
    digest_of_tree,
    make_snapshot,
)
from tests.conftest import MakeRepo, deadline, git


def _repo(make_repo: MakeRepo) -> Path:
    return make_repo(
        {"app.py": "print('old')\n", "gone.py": "x = 1\n", "lib/util.py": "y = 2\n", ".gitignore": "*.log\n"}
    )


def _status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all", "--ignored")


def test_holds_the_working_tree_as_judged(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    (root / "app.py").write_text("print('new')\n")
    (root / "gone.py").unlink()
    (root / "fresh.py").write_text("z = 3\n")
    (root / "debug.log").write_text("ignored\n")
    (root / "shadow.py").write_text("excluded\n")
    with (root / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write("shadow.py\n")

    snap = make_snapshot(root, tmp_path / "snap", None)

    assert snap.files == [".gitignore", "app.py", "fresh.py", "lib/util.py"]
    assert (snap.path / "app.py").read_text() == "print('new')\n"
    assert (snap.path / "fresh.py").read_text() == "z = 3\n"
    for absent in ("gone.py", "debug.log", "shadow.py"):
        assert not (snap.path / absent).exists()
    assert snap.skipped == []


def test_is_a_repository_with_one_commit_of_exactly_that_content(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    (root / "fresh.py").write_text("z = 3\n")
    (root / ".gitattributes").write_text("*.py text eol=crlf\n*.bin filter=lfs\n")  # must not rewrite bytes
    (root / "data.bin").write_bytes(b"\x00\x01raw\r\n")

    snap = make_snapshot(root, tmp_path / "snap", None)

    assert git(snap.path, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(snap.path, "rev-parse", "HEAD").strip() == snap.commit
    assert git(snap.path, "ls-tree", "-r", "--name-only", "HEAD").split() == snap.files
    git(snap.path, "diff-files", "--quiet")  # clean even to a check that does not refresh the index first
    assert _status(snap.path) == ""
    assert (snap.path / "data.bin").read_bytes() == b"\x00\x01raw\r\n"


def test_a_link_that_leaves_is_left_out_and_listed(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n")
    os.symlink(outside, root / "abs_link")
    os.symlink("../../secret.txt", root / "lib" / "up_link")
    os.symlink("..", root / "lib" / "up")  # inside: lib/up is the root
    os.symlink("up/../secret.txt", root / "lib" / "dotdot_link")  # root/.. is outside
    os.symlink("util.py", root / "lib" / "inside_link")
    os.symlink("../app.py", root / "lib" / "parent_link")

    snap = make_snapshot(root, tmp_path / "snap", None)

    assert {s.path for s in snap.skipped} == {"abs_link", "lib/up_link", "lib/dotdot_link"}
    assert all("symbolic link" in s.reason for s in snap.skipped)
    for kept, target in (("lib/inside_link", "util.py"), ("lib/parent_link", "../app.py")):
        assert os.readlink(snap.path / kept) == target
        assert kept in snap.files
    for left in ("abs_link", "lib/up_link", "lib/dotdot_link"):
        assert not os.path.lexists(snap.path / left)
    for kept in snap.files:  # no link kept leads out, even through another link
        assert Path(os.path.realpath(snap.path / kept)).is_relative_to(snap.path)


@pytest.mark.parametrize(
    ("name", "target", "leaves"),
    [
        (b"a", b"b", False),
        (b"x/a", b"../b", False),
        (b"x/a", b"./../y/z", False),
        (b"a", b"../b", True),
        (b"a", b"/etc/passwd", True),
        (b"x/a", b"d/../b", True),  # `d` may be a link to `..`, and then `..` leaves
        (b"a", b".git/config", True),
        (b"a", b"", True),
    ],
)
def test_link_rule_reads_the_text_alone(name: bytes, target: bytes, leaves: bool) -> None:
    assert (snapshot_module._link_leaves(name, target) is not None) is leaves


def test_an_executable_keeps_its_bit(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"run.sh": "#!/bin/sh\n", "plain.txt": "x\n"})
    os.chmod(root / "run.sh", 0o744)
    git(root, "add", "run.sh")
    git(root, "commit", "-q", "-m", "exec")

    for head, dest in ((None, "work"), ("HEAD", "head")):
        snap = make_snapshot(root, tmp_path / dest, head)
        assert os.stat(snap.path / "run.sh").st_mode & stat.S_IXUSR
        assert not os.stat(snap.path / "plain.txt").st_mode & stat.S_IXUSR


def test_a_revision_is_that_commit_whatever_the_working_tree(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    (root / "app.py").write_text("print('second')\n")
    (root / "later.py").write_text("a = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    (root / "app.py").write_text("print('uncommitted')\n")
    (root / "untracked.py").write_text("u = 1\n")

    snap = make_snapshot(root, tmp_path / "snap", "HEAD~1")

    assert (snap.path / "app.py").read_text() == "print('old')\n"
    assert (snap.path / "gone.py").exists()
    assert not (snap.path / "later.py").exists()
    assert not (snap.path / "untracked.py").exists()
    assert snap.digest == digest_of_tree(root, "HEAD~1") != digest_of_tree(root, "HEAD")


def test_the_digest_follows_every_change(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    digests = [digest_of_tree(root, None)]
    assert digest_of_tree(root, None) == digests[0]  # unchanged tree, same digest
    assert make_snapshot(root, tmp_path / "s0", None).digest == digests[0]

    (root / "app.py").write_text("print('olD')\n")  # one byte
    digests.append(digest_of_tree(root, None))
    os.chmod(root / "app.py", 0o744)  # a mode
    digests.append(digest_of_tree(root, None))
    (root / "new.py").write_text("")  # a new untracked file, even empty
    digests.append(digest_of_tree(root, None))
    (root / "more.log").write_text("ignored\n")  # ignored: not judged, so no change
    digests.append(digest_of_tree(root, None))

    assert len(set(digests[:4])) == 4
    assert digests[4] == digests[3]
    assert make_snapshot(root, tmp_path / "s1", None).digest == digests[3]


def test_writing_into_the_snapshot_leaves_the_working_tree_alone(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    (root / "fresh.py").write_text("z = 3\n")
    before, status, head = digest_of_tree(root, None), _status(root), git(root, "rev-parse", "HEAD")

    snap = make_snapshot(root, tmp_path / "snap", None)
    (snap.path / "app.py").write_text("rewritten by a check\n")
    (snap.path / "lib" / "util.py").unlink()
    (snap.path / "generated.py").write_text("g = 1\n")
    git(snap.path, "add", "-A")
    git(snap.path, "commit", "-q", "-m", "a check commits")

    assert (root / "app.py").read_text() == "print('old')\n"
    assert (root / "lib" / "util.py").exists()
    assert not (root / "generated.py").exists()
    after = digest_of_tree(root, None), _status(root), git(root, "rev-parse", "HEAD")
    assert after == (before, status, head)
    assert digest_of_tree(snap.path, None) != before


def test_odd_names_survive(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    latin1, newline, quoted = b"caf\xe9.txt", b"two\nlines.txt", b'"quote\\d" .txt'
    for raw in (latin1, newline, quoted):
        fd = os.open(os.path.join(os.fsencode(root), raw), os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, raw)
        os.close(fd)

    snap = make_snapshot(root, tmp_path / "snap", None)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "odd names")
    committed = make_snapshot(root, tmp_path / "committed", "HEAD")

    for made in (snap, committed):
        for raw in (latin1, newline, quoted):
            assert os.fsdecode(raw) in made.files
            with open(os.path.join(os.fsencode(made.path), raw), "rb") as handle:
                assert handle.read() == raw
    assert snap.digest == committed.digest == digest_of_tree(root, None)


def test_nested_repositories_are_listed_not_copied(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    nested = make_repo({"inner.py": "i = 1\n"}, name="nested")
    os.rename(nested, root / "vendor")

    snap = make_snapshot(root, tmp_path / "snap", None)

    assert [s.path for s in snap.skipped] == ["vendor"]
    assert not (snap.path / "vendor").exists()


def test_too_large_is_a_clear_error(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"big.bin": "x" * 5000})
    monkeypatch.setattr(snapshot_module, "MAX_SNAPSHOT_BYTES", 4096)

    for head in (None, "HEAD"):
        with pytest.raises(SnapshotTooLargeError, match="larger than 4,096 bytes"):
            make_snapshot(root, tmp_path / f"snap-{head}", head)
        assert not (tmp_path / f"snap-{head}").exists()  # nothing half-made is left


def test_the_folder_must_be_new_and_outside(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    with pytest.raises(InvalidInputError, match="inside the work tree"):
        make_snapshot(root, root / "build" / "snap", None)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("")
    with pytest.raises(InvalidInputError, match="not empty"):
        make_snapshot(root, tmp_path / "used", None)


def test_an_inherited_git_dir_cannot_aim_the_snapshot_at_the_repository(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(make_repo)
    head = git(root, "rev-parse", "HEAD")
    monkeypatch.setenv("GIT_DIR", str(root / ".git"))  # as inside a git hook

    snap = make_snapshot(root, tmp_path / "snap", None)

    monkeypatch.delenv("GIT_DIR")
    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "branch", "--list", "snapshot") == ""
    assert (snap.path / ".git" / "HEAD").exists()


def test_a_submodule_in_a_revision_is_listed_not_fetched(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    pointer = git(root, "rev-parse", "HEAD").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{pointer},vendor/dep")
    git(root, "commit", "-q", "-m", "a submodule")

    snap = make_snapshot(root, tmp_path / "snap", "HEAD")

    assert [(s.path, pointer in s.reason) for s in snap.skipped] == [("vendor/dep", True)]
    assert not (snap.path / "vendor").exists()


def test_a_tree_with_nothing_judged_is_an_empty_commit(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(commit=False)
    (root / "README.md").unlink()

    snap = make_snapshot(root, tmp_path / "snap", None)

    assert snap.files == []
    assert git(snap.path, "ls-tree", "-r", "HEAD") == ""
    assert snap.digest == digest_of_tree(root, None)


def test_what_cannot_be_read_safely_is_listed(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "util.py").write_text("not the judged file\n")
    (root / "lib" / "util.py").unlink()
    (root / "lib").rmdir()
    os.symlink(elsewhere, root / "lib")  # the tracked lib/util.py is now reached through a link
    (root / "app.py").unlink()
    os.mkfifo(root / "app.py")  # a tracked name, now a FIFO: reading it would block

    with deadline():
        snap = make_snapshot(root, tmp_path / "snap", None)

    reasons = {s.path: s.reason for s in snap.skipped}
    assert "symbolic link" in reasons["lib/util.py"]
    assert "symbolic link" in reasons["lib"]
    assert "FIFO" in reasons["app.py"]
    assert not os.path.lexists(snap.path / "app.py")
    assert not os.path.lexists(snap.path / "lib")


def test_edits_folded_into_its_commit_leave_a_clean_snapshot(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = _repo(make_repo)
    (root / "fresh.py").write_text("z = 3\n")
    snap = make_snapshot(root, tmp_path / "snap", None)
    (snap.path / "fresh.py").unlink()
    (snap.path / "new_test.py").write_text("def test_x():\n    pass\n")
    assert _status(snap.path) != ""

    commit_edits(snap.path)

    assert _status(snap.path) == ""
    assert git(snap.path, "rev-list", "--count", "HEAD").strip() == "1"
    listed = git(snap.path, "ls-tree", "-r", "--name-only", "HEAD").split()
    assert "new_test.py" in listed and "fresh.py" not in listed
    message = git(snap.path, "log", "-1", "--format=%an %s").strip()
    assert message == "Codecot Codecot snapshot of the judged content"
