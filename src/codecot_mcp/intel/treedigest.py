"""The digest of a change, and the pinned git runs every reading of a change makes.

A validation stores the digest of the change it judged; the stop hook, the PR draft and
`workflow_status` take it again to learn whether the tree is still that change. The
hook runs as a process of its own before every stop, so this module stays light: no
dataclasses, no typing, no temporary-file module at run time (each costs milliseconds
of imports on every stop). `intel/diff.py` reads the change's files through the same
git runs, so the two can never disagree on what the change is.

Git's output is read as bytes: file names are bytes to git, so they are matched as
bytes and only turned into text for display. Every run pins the options that user
config could otherwise change (external diff drivers, textconv, colour, prefixes,
quoting, ignored submodules), so the same tree always gives the same digest.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from contextlib import contextmanager
from pathlib import Path

from codecot_mcp.errors import RepositoryError
from codecot_mcp.intel.gitcli import check_ref, commit_of, git_env, git_executable
from codecot_mcp.repofiles import RepoTree, UnreadableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
# Codecot's own records: judged by their seals (store/ledger.py), not as code.
CODECOT_RECORDS = (
    "intents",
    "specs",
    "tasks",
    "validations",
    "events.jsonl",
    "config.toml",
    "cache",
    ".gitignore",
)
PATHSPEC = ("--", ".", *(f":(exclude,literal).codecot/{name}" for name in CODECOT_RECORDS))
DIFF = (
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--ignore-submodules=none",
    "-M",
)
READ_BYTES = 1 << 20
_CONFIG = ("-c", "core.quotePath=false")  # names with bytes >= 0x80 come out as they are


def working_tree_digest(root: Path, base: str | None) -> str:
    """The digest `collect_change(root, base).digest` gives, without listing the files: what a
    check that only asks "is this still the validated change?" needs."""
    workdir = work_tree(root)
    base_rev = check_ref(base) if base else head_or_empty(workdir)
    return change_digest(workdir, [base_rev], untracked_names(workdir))


def change_digest(workdir: Path, revs: list[str], untracked: list[bytes]) -> str:
    """sha256 of the binary patch, then of each untracked file's name and content digest."""
    hasher = hashlib.sha256()
    with git_stream(workdir, [*DIFF, "--binary", *revs, *PATHSPEC]) as patch:
        _hash_patch(patch, hasher)
    if untracked:
        tree = RepoTree(workdir)
        for raw in untracked:
            hasher.update(raw + b"\0" + file_digest(tree, os.fsdecode(raw)).encode())
    return hasher.hexdigest()


def _hash_patch(patch: IO[bytes], hasher: hashlib._Hash) -> None:
    """Hash the patch in blocks, leaving out its final newline.

    GitPython, which used to read the patch whole, dropped that newline; leaving
    it out here too keeps the digests of validations stored before still valid.
    """
    held = b""
    while block := patch.read(READ_BYTES):
        hasher.update(held)
        held = block[-1:] if block.endswith(b"\n") else b""
        hasher.update(block[: len(block) - len(held)])
    # `held` is the last newline of the whole patch: not hashed


def work_tree(root: Path) -> Path:
    """`root` if it is the top of a git work tree: a change always covers a whole tree."""
    try:
        top = git_output(root, ["rev-parse", "--show-toplevel"]).decode("utf-8", "surrogateescape").strip()
    except RepositoryError:
        top = ""
    if not top or Path(top).resolve() != Path(root).resolve():
        raise RepositoryError(
            f"not a git repository: {root}", hint="run inside a git work tree or pass --repo"
        )
    return Path(top)


def head_or_empty(workdir: Path) -> str:
    """HEAD's commit, or the empty tree in a repository with no commit yet."""
    return commit_of(workdir, "HEAD") or EMPTY_TREE


def untracked_names(workdir: Path) -> list[bytes]:
    names = git_output(workdir, ["ls-files", "--others", "--exclude-standard", "-z", *PATHSPEC])
    return [name for name in names.split(b"\0") if name]


def file_digest(tree: RepoTree, name: str) -> str:
    """sha256 of what git would store: the file's bytes, or a symlink's link text (never its target)."""
    try:
        kind = path_kind(tree, name)
        if kind == "link":
            return hashlib.sha256(b"symlink\0" + tree.read_link(name)).hexdigest()
        if kind != "file":
            return kind  # a FIFO, device or socket: its type, never its content
        return tree.sha256(name)
    except UnreadableError:
        return "unreadable"


def path_kind(tree: RepoTree, name: str) -> str:
    """'file', 'link' or the special type ('fifo', 'device', 'socket', 'folder'), from lstat."""
    mode = tree.lstat(name).st_mode
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "folder"
    return "device"


@contextmanager
def git_stream(workdir: Path, args: list[str]) -> Iterator[IO[bytes]]:
    """Run git with its output as a pipe, so a huge diff is read in pieces and never held whole."""
    executable = git_executable()
    env = git_env()
    with _error_sink() as stderr:  # a file, not a pipe: a chatty git cannot block on it
        try:
            process = subprocess.Popen(  # noqa: S603 (a fixed argument list, no shell)
                [executable, *_CONFIG, *args],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        except OSError as exc:
            raise RepositoryError(f"could not run git to compute the change: {exc}") from None
        if process.stdout is None:  # Popen with stdout=PIPE always has one; this satisfies the type checker
            raise RepositoryError("git started without an output pipe")
        try:
            yield process.stdout
            while process.stdout.read(READ_BYTES):  # let git finish even if the reader stopped early
                pass
        except BaseException:
            process.kill()
            raise
        finally:
            process.stdout.close()
            code = process.wait()
        if code != 0:
            stderr.seek(0)
            lines = stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise RepositoryError(
                f"git failed to compute the change: {lines[-1] if lines else f'exit {code}'}"
            )


def git_output(workdir: Path, args: list[str]) -> bytes:
    """Git's whole output, for listings that grow with the number of files, not their size."""
    with git_stream(workdir, args) as output:
        return output.read()


def _error_sink() -> IO[bytes]:
    """An anonymous file for git's errors: in memory where Linux offers it, else a temporary file
    (the `tempfile` module costs a stop hook milliseconds of imports)."""
    if hasattr(os, "memfd_create"):
        try:
            return os.fdopen(os.memfd_create("codecot-git-stderr", os.MFD_CLOEXEC), "w+b")
        except OSError:  # a kernel without memfd
            pass
    import tempfile

    return tempfile.TemporaryFile()
