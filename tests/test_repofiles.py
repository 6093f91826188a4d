"""`repofiles`: every hostile path or file, against every entry point, under one contract."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from codecot_mcp.errors import NotFoundError, UnsafePathError
from codecot_mcp.repofiles import (
    MissingFileError,
    RepoTree,
    UnreadableError,
    UnsafeFileError,
    resolve,
)
from tests.conftest import deadline

CAP = 64  # bytes: the size cap the tests read with
SECRET = b"OUTSIDE SECRET\n"
LATIN1_NAME = os.fsdecode(b"caf\xe9.txt")  # as git names reach Python: surrogate-escaped


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A work tree holding one of every hostile thing, next to a folder outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    repo = tmp_path / "repo"
    (repo / "real").mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".git" / "config").write_text("[core]\n")
    (repo / "ok.txt").write_text("hello\n")
    (repo / "real" / "c.txt").write_text("C\n")
    (repo / "big.bin").write_bytes(b"x" * (CAP + 1))
    (repo / "latin1.txt").write_bytes(b"caf\xe9\n")
    (repo / LATIN1_NAME).write_text("named\n")
    (repo / "out.txt").symlink_to(outside / "secret.txt")
    (repo / "in.txt").symlink_to("ok.txt")
    (repo / "via").symlink_to(outside, target_is_directory=True)
    (repo / "inner").symlink_to("real", target_is_directory=True)
    (repo / "zero").symlink_to("/dev/zero")
    (repo / "git").symlink_to(".git", target_is_directory=True)
    os.mkfifo(repo / "pipe")
    return repo


Reader = Callable[[RepoTree, str], object]

READERS: dict[str, Reader] = {
    "read_bytes": lambda tree, path: tree.read_bytes(path, CAP),
    "read_text": lambda tree, path: tree.read_text(path, CAP),
    "sha256": lambda tree, path: tree.sha256(path),
    "blocks": lambda tree, path: b"".join(tree.blocks(path, 16)),
}

# (case, path, what the refusal says): every reader refuses these with UnsafeFileError.
REFUSED = [
    ("link to a file outside", "out.txt", "'out.txt' is a symbolic link"),
    ("link to a file inside", "in.txt", "'in.txt' is a symbolic link"),
    ("file in a folder linked outside", "via/secret.txt", "through the symbolic link 'via'"),
    ("file in a folder linked inside", "inner/c.txt", "through the symbolic link 'inner'"),
    ("FIFO", "pipe", "not a regular file (a FIFO)"),
    ("link to /dev/zero", "zero", "'zero' is a symbolic link"),
    ("a folder", "real", "not a regular file (a folder)"),
    (".git/ path", ".git/config", "inside .git/"),
    (".git/ in another case", ".GIT/config", "inside .git/"),
    ("link to .git/", "git/config", "through the symbolic link 'git'"),
    ("..", "../outside/secret.txt", "leaves the repository"),
    (".. below a folder", "real/../../outside/secret.txt", "leaves the repository"),
    ("absolute path", "/etc/passwd", "is absolute"),
    ("NUL", "ok.txt\x00.py", "NUL byte"),
    ("empty", "", "empty path"),
    ("the root itself", "real/..", "names the repository itself"),
    ("unencodable name", "\ud800.txt", "cannot be a file name"),
]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(("case", "path", "says"), REFUSED, ids=[c[0] for c in REFUSED])
def test_every_reader_refuses_every_hostile_path(
    root: Path, reader: str, case: str, path: str, says: str
) -> None:
    with deadline(), pytest.raises(UnsafeFileError, match=re.escape(says)) as caught:
        READERS[reader](RepoTree(root), path)
    assert isinstance(caught.value, UnreadableError) and isinstance(caught.value, UnsafePathError)
    assert SECRET.decode() not in str(caught.value)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("path", ["nope.txt", "nope/x.txt", "ok.txt/x"])
def test_a_missing_file_is_missing_for_every_reader(root: Path, reader: str, path: str) -> None:
    with pytest.raises(MissingFileError, match="does not exist") as caught:
        READERS[reader](RepoTree(root), path)
    assert isinstance(caught.value, NotFoundError)


@pytest.mark.parametrize("reader", ["read_bytes", "read_text"])
def test_a_read_is_capped(root: Path, reader: str) -> None:
    with pytest.raises(UnreadableError, match=f"larger than {CAP} bytes") as caught:
        READERS[reader](RepoTree(root), "big.bin")
    assert not isinstance(caught.value, (UnsafePathError, NotFoundError))


def test_hashing_streams_past_the_cap(root: Path) -> None:
    tree = RepoTree(root)
    assert tree.sha256("big.bin") == hashlib.sha256(b"x" * (CAP + 1)).hexdigest()
    assert list(tree.blocks("big.bin", CAP)) == [b"x" * CAP, b"x"]


@pytest.mark.parametrize("path", [LATIN1_NAME, "./real//c.txt", "real/../ok.txt"])
def test_odd_but_harmless_names_are_read(root: Path, path: str) -> None:
    expected = {LATIN1_NAME: b"named\n", "./real//c.txt": b"C\n", "real/../ok.txt": b"hello\n"}[path]
    tree = RepoTree(root)
    assert tree.read_bytes(path, CAP) == expected
    assert tree.read_text(path, CAP) == expected.decode()
    assert tree.sha256(path) == hashlib.sha256(expected).hexdigest()


def test_text_that_is_not_utf8_is_content_not_a_refusal(root: Path) -> None:
    tree = RepoTree(root)
    with pytest.raises(UnicodeDecodeError):
        tree.read_text("latin1.txt", CAP)
    assert tree.read_text("latin1.txt", CAP, errors="replace") == "caf\ufffd\n"


# ---------------------------------------------------------------- lstat and link text


def test_lstat_does_not_follow_the_last_part_but_checks_the_folders(root: Path) -> None:
    tree = RepoTree(root)
    assert stat.S_ISLNK(tree.lstat("in.txt").st_mode)
    assert stat.S_ISFIFO(tree.lstat("pipe").st_mode)
    assert stat.S_ISREG(tree.lstat("real/c.txt").st_mode)
    for path in ("via/secret.txt", "inner/c.txt", ".git/config", "../outside/secret.txt"):
        with pytest.raises(UnsafeFileError):
            tree.lstat(path)


def test_read_link_gives_the_link_text_never_the_target(root: Path) -> None:
    tree = RepoTree(root)
    assert tree.read_link("in.txt") == b"ok.txt"
    assert tree.read_link("zero") == b"/dev/zero"
    with pytest.raises(UnreadableError, match=r"cannot read 'ok\.txt'"):
        tree.read_link("ok.txt")  # not a link
    with pytest.raises(UnsafeFileError):
        tree.read_link("via/secret.txt")


# ---------------------------------------------------------------- defence in depth


def test_a_link_swapped_in_after_the_lstat_is_not_followed(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the lstat had seen the regular file that stood there a moment before.
    regular = os.lstat(root / "ok.txt")
    monkeypatch.setattr(RepoTree, "_lstat", lambda self, relative, wanted=None: regular)
    tree = RepoTree(root)
    with deadline():
        with pytest.raises(UnsafeFileError, match=r"'out\.txt' is a symbolic link"):
            tree.read_bytes("out.txt", CAP)  # O_NOFOLLOW
        with pytest.raises(UnsafeFileError, match="a FIFO"):
            tree.read_bytes("pipe", CAP)  # O_NONBLOCK, then fstat


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")
def test_a_folder_swapped_for_a_link_after_its_check_is_caught_at_the_open(
    root: Path, tmp_path: Path
) -> None:
    (tmp_path / "outside" / "c.txt").write_bytes(SECRET)
    tree = RepoTree(root)
    assert tree.read_bytes("real/c.txt", CAP) == b"C\n"  # `real` is now remembered as a real folder
    (root / "real" / "c.txt").unlink()
    (root / "real").rmdir()
    (root / "real").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(UnsafeFileError, match="changed while it was opened"):
        tree.read_bytes("real/c.txt", CAP)
    with pytest.raises(UnsafeFileError, match="through the symbolic link 'real'"):
        RepoTree(root).read_bytes("real/c.txt", CAP)  # a new tree checks the folder again


# ---------------------------------------------------------------- user paths


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("ok.txt", "ok.txt"),
        ("./real//c.txt", "real/c.txt"),
        ("real\\c.txt", "real/c.txt"),  # typed on Windows
        ("real/../ok.txt", "ok.txt"),
        ("in.txt", "in.txt"),  # the link itself, not its target: the read refuses it
        ("inner/c.txt", "inner/c.txt"),
        ("pipe", "pipe"),  # not opened here
        ("big.bin", "big.bin"),
        (LATIN1_NAME, LATIN1_NAME),
        ("new/file.txt", "new/file.txt"),
    ],
)
def test_resolve_keeps_paths_that_stay_inside(root: Path, path: str, expected: str) -> None:
    assert resolve(root, path) == expected


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("out.txt", "resolves outside"),
        ("via/secret.txt", "resolves outside"),
        ("zero", "resolves outside"),
        ("git/config", "resolves inside .git/"),
        (".git/config", "inside .git/"),
        ("real/../.git/HEAD", "inside .git/"),
        ("../outside/secret.txt", "leaves the repository"),
        ("src/../../x", "leaves the repository"),
        ("/etc/passwd", "is absolute"),
        ("\\etc\\passwd", "is absolute"),
        ("ok.txt\x00", "NUL byte"),
        ("", "empty path"),
        ("\ud800", "cannot be a file name"),
    ],
)
def test_resolve_refuses_paths_that_leave_or_reach_git(root: Path, path: str, says: str) -> None:
    with pytest.raises(UnsafePathError, match=says) as caught:
        resolve(root, path)
    assert not isinstance(caught.value, UnreadableError)  # a refused path, not a failed read
