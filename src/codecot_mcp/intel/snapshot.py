"""A throwaway copy of exactly the content that is judged, for the checks to run in.

The diff judges one tree; the checks used to run in another (the live working tree,
after the diff, with ignored files in it and any file a check rewrites). A snapshot
closes that gap: the checks run in a copy of the judged content, and the digest of
that content is taken while copying, before any check can run.

What is judged
    For the working tree (`head` None): what `git ls-files --cached --others
    --exclude-standard` lists, as it is on disk now. A deleted tracked file is absent,
    an ignored file (`.gitignore`, `.git/info/exclude`) never enters, nor `.git/` nor
    Codecot's own `.codecot/` (the diff leaves it out too). Files are read through
    `RepoTree`, never through a link. For a revision: the tree of that commit, read
    from git's object store.

What is kept
    Regular files with their executable bit, and symlinks whose target stays inside
    the snapshot (a relative target: `..` only at its start, never above the root,
    never into `.git`), judged by the text alone so the answer cannot depend on what
    else is on disk. Links that leave, submodules, nested repositories and special
    files are listed in `skipped` with the reason; they are not in the digest either,
    since the checks never see them.

The snapshot is a git repository with one commit whose tree is exactly that content
(checks that call git, setuptools_scm or versioneer work there). The commit is made
without user or system config, with eol and filter attributes switched off, and its
tree is read back and must give the digest computed while copying, or the snapshot is
refused.

The digest is sha256 over the entries sorted by name: name, mode and git blob id,
NUL-separated. `digest_of_tree` gives the same value without copying, so a caller can
compare what was judged with what is there after the checks.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from codecot_mcp.errors import CodecotError, InvalidInputError, RepositoryError
from codecot_mcp.intel.gitcli import check_ref, git_env, git_executable
from codecot_mcp.repofiles import MissingFileError, RepoTree, UnreadableError

MAX_SNAPSHOT_BYTES = 2 << 30  # 2 GiB: a tree larger than this is not copied for checks
MAX_LINK_BYTES = 4096  # a symlink's text, as PATH_MAX allows; a longer "link" blob is refused
_BLOCK_BYTES = 1 << 20
_COPY_ATTEMPTS = 3  # a file that changes size while read is read again, this many times in all
_LISTING = ("ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", ".", ":(exclude).codecot")
_CODECOT = b".codecot"
# The snapshot's own git: no user or system config, no hooks from a template, and bytes
# stored as they are (no eol conversion, no clean filter), so its tree is the copy.
_SNAPSHOT_CONFIG = (
    "-c",
    "core.fileMode=true",
    "-c",
    "core.symlinks=true",
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.safecrlf=false",
    "-c",
    "core.compression=1",  # a throwaway pack: level 1 is several times faster than the default
    "-c",
    "commit.gpgSign=false",
)
_SNAPSHOT_ATTRIBUTES = b"* -text -eol -filter -ident -working-tree-encoding\n"
_SNAPSHOT_BRANCH = "snapshot"
_SNAPSHOT_MESSAGE = b"Codecot snapshot of the judged content\n"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "Codecot",
    "GIT_AUTHOR_EMAIL": "codecot@localhost",
    "GIT_AUTHOR_DATE": "1700000000 +0000",
    "GIT_COMMITTER_NAME": "Codecot",
    "GIT_COMMITTER_EMAIL": "codecot@localhost",
    "GIT_COMMITTER_DATE": "1700000000 +0000",
}
_WRITE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_REGULAR = b"100644"
_EXECUTABLE = b"100755"
_LINK = b"120000"
_GITLINK = b"160000"


class SnapshotError(CodecotError):
    """The judged content could not be copied faithfully; no check should run on it."""


class SnapshotTooLargeError(SnapshotError):
    """The judged content is larger than MAX_SNAPSHOT_BYTES."""


@dataclass(frozen=True)
class Skipped:
    path: str  # as the file system takes it back (surrogate-escaped where not UTF-8)
    reason: str


@dataclass
class Snapshot:
    path: Path  # the snapshot's work tree; a git repository of its own
    head: str | None  # the revision copied, or None for the working tree
    files: list[str]  # files and kept links, sorted by their bytes; names as in Skipped.path
    skipped: list[Skipped]
    digest: str  # of the content, computed while copying
    commit: str = ""  # the snapshot repository's one commit
    total_bytes: int = 0


@dataclass(frozen=True)
class _Entry:
    raw: bytes  # the name as git stores it
    mode: bytes
    blob: str  # git blob id (sha1 of "blob <size>\0" + content)


@dataclass
class _Copy:
    """What a pass over the judged content found; `dest` None hashes without writing."""

    dest: str | None
    entries: list[_Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    links: list[tuple[str, bytes]] = field(default_factory=list)  # written last: no write goes through one
    total: int = 0
    folders: set[str] = field(default_factory=set)  # made already: one makedirs per folder, not per file
    importer: _Importer | None = None  # stores each file as soon as it is copied

    def add_file(self, entry: _Entry) -> None:
        self.entries.append(entry)
        if self.importer is not None:
            self.importer.put(entry)

    def charge(self, name: str, size: int) -> None:
        """Count `size` more bytes; past the cap, stop the whole copy with a clear error."""
        self.total += size
        if self.total > MAX_SNAPSHOT_BYTES:
            raise SnapshotTooLargeError(
                f"the judged content is larger than {MAX_SNAPSHOT_BYTES:,} bytes (reached at '{name}')",
                hint="checks are not run on a tree this large; ignore build output and data in .gitignore",
            )

    def target(self, name: str) -> str | None:
        """Where `name` goes in the snapshot (its folders made), or None when only hashing."""
        if self.dest is None:
            return None
        full = os.path.join(self.dest, name)
        folder = os.path.dirname(full)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        return full

    def digest(self) -> str:
        return _content_digest(self.entries)


# ---------------------------------------------------------------- public


def make_snapshot(workdir: Path, dest: Path, head: str | None) -> Snapshot:
    """Copy the judged content of `workdir` (the working tree, or revision `head`) into `dest`.

    `workdir` is the top of a work tree, as the diff takes it.
    `dest` must not exist yet or be an empty folder, and must be outside the work tree,
    so nothing a check writes there can reach the tree that was judged.
    """
    root = Path(os.path.realpath(workdir))
    target = _prepare_dest(root, dest)
    copy = _Copy(str(target))
    try:
        _init_snapshot_repository(target)
        with _Importer(target) as importer:
            copy.importer = importer
            _collect(root, head, copy)
            for full, text in copy.links:
                os.symlink(os.fsdecode(text), full)
            for entry in copy.entries:
                if entry.mode == _LINK:
                    importer.put(entry)
            importer.finish()
        commit = _check_snapshot(target, copy)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Snapshot(
        path=target,
        head=head,
        files=[os.fsdecode(e.raw) for e in copy.entries],
        skipped=copy.skipped,
        digest=copy.digest(),
        commit=commit,
        total_bytes=copy.total,
    )


def commit_edits(target: Path) -> None:
    """Fold files put into or taken out of a snapshot after it was made into its one commit.

    A run of the base's tests on the change, or of the change's tests on the base, edits a
    snapshot; without this, `git status` there would show the edits, and code under test
    could tell that run from the run on the change by asking git. Same message, identity and
    date as every snapshot: the commit differs only by its tree.
    """
    _snapshot_git(target, "add", "-A", "--", ".")
    message = _SNAPSHOT_MESSAGE.decode().strip()
    _snapshot_git(target, "commit", "-q", "--amend", "--no-verify", "--allow-empty", "-m", message)


def digest_of_tree(workdir: Path, head: str | None) -> str:
    """The digest `make_snapshot` would record for the same content, without copying it."""
    copy = _Copy(None)
    _collect(Path(os.path.realpath(workdir)), head, copy)
    return copy.digest()


def _content_digest(entries: list[_Entry]) -> str:
    """sha256 over name, mode and blob id of each entry, in the order of the names' bytes."""
    hasher = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.raw):
        hasher.update(entry.raw + b"\0" + entry.mode + b"\0" + entry.blob.encode() + b"\0")
    return hasher.hexdigest()


# ---------------------------------------------------------------- the pass


def _collect(root: Path, head: str | None, copy: _Copy) -> None:
    if head is None:
        _collect_worktree(root, copy)
    else:
        _collect_revision(root, check_ref(head), copy)
    copy.entries.sort(key=lambda e: e.raw)


def _prepare_dest(root: Path, dest: Path) -> Path:
    """`dest` resolved and created; refused inside the work tree or when it holds anything."""
    target = Path(os.path.realpath(dest))
    if target == root or root in target.parents:
        raise InvalidInputError(
            f"the snapshot folder {dest} is inside the work tree",
            hint="put snapshots outside the repository, e.g. in a temporary folder",
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInputError(f"the snapshot folder {dest} is not empty", hint="pass a new folder")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _collect_worktree(root: Path, copy: _Copy) -> None:
    """Every listed name, as on disk now, read through RepoTree and never through a link."""
    tree = RepoTree(root)
    names = dict.fromkeys(filter(None, _git_output(root, list(_LISTING)).split(b"\0")))  # unmerged: once
    for raw in names:
        name = os.fsdecode(raw.rstrip(b"/"))
        try:
            status = tree.lstat(name)
            mode = status.st_mode
            if stat.S_ISLNK(mode):
                _add_link(copy, raw, tree.read_link(name))
            elif stat.S_ISDIR(mode):
                copy.skipped.append(Skipped(name, "a submodule or nested repository: not copied"))
            elif not stat.S_ISREG(mode):
                copy.skipped.append(Skipped(name, "not a regular file (a FIFO, device or socket)"))
            else:
                blob = _copy_file(tree, name, status.st_size, copy, executable=bool(mode & stat.S_IXUSR))
                copy.add_file(_Entry(raw, _EXECUTABLE if mode & stat.S_IXUSR else _REGULAR, blob))
        except MissingFileError:
            continue  # a deleted tracked file: not part of the judged content
        except UnreadableError as exc:
            copy.skipped.append(Skipped(name, str(exc)))


def _copy_file(tree: RepoTree, name: str, size: int, copy: _Copy, *, executable: bool) -> str:
    """The blob id of the file, streamed block by block into the snapshot (if any) as it is hashed.

    The blob header needs the size before the content; a file that changes size while
    read is read again (its copy rewritten), so the id always matches the bytes copied.
    """
    full = copy.target(name)
    for attempt in range(_COPY_ATTEMPTS):
        hasher = hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)
        count = 0
        with (
            _open_target(full, executable, again=attempt > 0) as out,
            closing(tree.blocks(name, _BLOCK_BYTES)) as blocks,
        ):
            for block in blocks:
                copy.charge(name, len(block))
                count += len(block)
                hasher.update(block)
                if out is not None:
                    out.write(block)
        if count == size:
            return hasher.hexdigest()
        copy.total -= count
        size = count
    raise SnapshotError(
        f"'{name}' kept changing while it was copied", hint="validate again once it is written"
    )


@contextmanager
def _open_target(full: str | None, executable: bool, again: bool = False) -> Iterator[IO[bytes] | None]:
    """A new file in the snapshot (`again`: replacing an earlier attempt), never written through a link.

    Git keeps only the owner's executable bit, so the umask may narrow the rest.
    """
    if full is None:
        yield None
        return
    if again:
        os.unlink(full)
    fd = os.open(full, _WRITE_FLAGS, 0o755 if executable else 0o644)
    if executable and not os.fstat(fd).st_mode & stat.S_IXUSR:  # a umask that removes even that
        os.fchmod(fd, 0o755)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _add_link(copy: _Copy, raw: bytes, text: bytes) -> None:
    """Keep a link whose target stays inside the snapshot; list any other with the reason."""
    name = os.fsdecode(raw)
    reason = _link_leaves(raw, text)
    if reason:
        copy.skipped.append(Skipped(name, f"symbolic link to {os.fsdecode(text)!r}: {reason}"))
        return
    full = copy.target(name)
    if full is not None:
        copy.links.append((full, text))
    copy.entries.append(_Entry(raw, _LINK, _blob_id(text)))


def _link_leaves(raw: bytes, text: bytes) -> str | None:
    """Why a link with this text may lead out of the snapshot, or None if it cannot.

    Judged by the text alone: `..` is allowed only at the start, and no higher than the
    link's own folder depth. A `..` after a name is refused because that name may be a
    link itself, and then `..` climbs from wherever it led.
    """
    if not text or text.startswith(b"/"):
        return "an absolute target leaves the snapshot"
    depth = raw.count(b"/")
    ups, descended = 0, False
    for part in text.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            if descended:
                return "'..' after a name may leave the snapshot"
            ups += 1
            if ups > depth:
                return "it leaves the snapshot"
        elif part.lower() == b".git":
            return "it points into .git"
        else:
            descended = True
    return None


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------- a revision


def _collect_revision(root: Path, rev: str, copy: _Copy) -> None:
    """The tree of `rev` from git's object store: blobs streamed, ids and modes as stored."""
    listing = _git_output(root, ["ls-tree", "-r", "-l", "-z", "--full-tree", rev])
    records = [r for r in _tree_records(listing) if r[3] != _CODECOT and not r[3].startswith(_CODECOT + b"/")]
    wanted = [r[1] for r in records if _wants_content(r, copying=copy.dest is not None)]
    with _CatFile(root, wanted) as objects:
        for record in records:
            _revision_entry(copy, objects, record)


def _wants_content(record: tuple[bytes, str, int, bytes], *, copying: bool) -> bool:
    """Whether `_revision_entry` reads this record's blob: the order of requests must match."""
    mode, _, size, raw = record
    if _unsafe_name(raw) or mode == _GITLINK:
        return False
    if mode == _LINK:
        return size <= MAX_LINK_BYTES
    return copying and mode.startswith(b"100")


def _revision_entry(copy: _Copy, objects: _CatFile, record: tuple[bytes, str, int, bytes]) -> None:
    mode, sha, size, raw = record
    name = os.fsdecode(raw)
    reason = _unsafe_name(raw)
    if reason:
        copy.skipped.append(Skipped(name, reason))
    elif mode == _GITLINK:
        copy.skipped.append(Skipped(name, f"a submodule at commit {sha}: not fetched"))
    elif mode == _LINK and size > MAX_LINK_BYTES:
        copy.skipped.append(Skipped(name, f"a symbolic link longer than {MAX_LINK_BYTES} bytes"))
    elif mode == _LINK:
        _add_link(copy, raw, objects.read(sha))
    elif mode.startswith(b"100"):  # 100644, 100755, and 100664 from old trees
        executable = bool(int(mode, 8) & stat.S_IXUSR)
        copy.charge(name, size)
        full = copy.target(name)
        if full is not None:
            with _open_target(full, executable) as out:
                objects.copy(sha, out)
        copy.add_file(_Entry(raw, _EXECUTABLE if executable else _REGULAR, sha))
    else:
        copy.skipped.append(Skipped(name, f"an entry of mode {mode.decode()}: not copied"))


def _tree_records(listing: bytes) -> list[tuple[bytes, str, int, bytes]]:
    """(mode, object id, size, name) per record of `ls-tree -r -z` (size 0 without `-l`)."""
    records = []
    for record in filter(None, listing.split(b"\0")):
        meta, _, raw = record.partition(b"\t")
        mode, _kind, sha, *size = meta.split()
        records.append((mode, sha.decode(), int(size[0]) if size and size[0] != b"-" else 0, raw))
    return records


def _unsafe_name(raw: bytes) -> str | None:
    """Why a name from a tree cannot be written inside the snapshot (a crafted tree may hold any)."""
    parts = raw.split(b"/")
    if raw.startswith(b"/") or any(part in (b"", b".", b"..") for part in parts):
        return "a name that leaves the snapshot"
    if any(part.lower() == b".git" for part in parts):
        return "a name inside .git"
    return None


class _CatFile:
    """One `git cat-file --batch` for the whole pass, asked for every blob in advance.

    A thread writes the requests while the caller reads the answers in the same order,
    so neither pipe can fill while the other waits and no answer waits for a round trip
    (5,000 round trips cost more than a second on a busy machine). The content is read
    in blocks straight into the snapshot, never held whole.
    """

    def __init__(self, root: Path, wanted: list[str]) -> None:
        # A file, not a pipe: a chatty git cannot block on it. Closed in __exit__.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (it lives as long as the process)
        try:
            self._process = subprocess.Popen(  # noqa: S603 (a fixed argument list, no shell)
                [git_executable(), "cat-file", "--batch"],
                cwd=root,
                env=_source_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise RepositoryError(f"could not run git to read the revision: {exc}") from None
        self._writer = threading.Thread(target=self._ask, args=(wanted,), daemon=True)
        self._writer.start()

    def _ask(self, wanted: list[str]) -> None:
        stdin = self._process.stdin
        if stdin is None:  # Popen with PIPE always has one; for the type checker
            return
        try:
            for sha in wanted:
                stdin.write(sha.encode() + b"\n")
            stdin.close()
        except (OSError, ValueError):
            pass  # the reader stopped early and closed the pipes: nothing more is wanted

    def __enter__(self) -> _CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        process = self._process
        if process.stdout is not None:
            process.stdout.close()  # a writer still at work now fails at once and stops
        self._writer.join()
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)  # its input is closed: it ends at once
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._stderr.close()

    def read(self, sha: str) -> bytes:
        """A small object whole (a link's text)."""
        size = self._request(sha)
        data = self._exactly(size)
        self._exactly(1)  # the newline after each object
        return data

    def copy(self, sha: str, out: IO[bytes] | None) -> None:
        """Stream a blob into `out` in blocks."""
        left = self._request(sha)
        while left:
            block = self._exactly(min(left, _BLOCK_BYTES))
            if out is not None:
                out.write(block)
            left -= len(block)
        self._exactly(1)

    def _request(self, sha: str) -> int:
        """The size of the next answer, which must be `sha`'s."""
        stdout = self._process.stdout
        if stdout is None:  # Popen with PIPE always has one; for the type checker
            raise RepositoryError("git started without an output pipe")
        header = stdout.readline().split()
        if len(header) != 3 or header[0] != sha.encode() or header[1] != b"blob":
            raise SnapshotError(
                f"git could not give the blob {sha}: {b' '.join(header).decode(errors='replace')}"
            )
        return int(header[2])

    def _exactly(self, size: int) -> bytes:
        stdout = self._process.stdout
        data = stdout.read(size) if stdout is not None else b""
        if len(data) != size:
            raise SnapshotError("git stopped while giving the revision's content")
        return data


# ---------------------------------------------------------------- the snapshot's repository


def _snapshot_git(target: Path, *args: str) -> bytes:
    return _git_output(target, [*_SNAPSHOT_CONFIG, *args], env=_snapshot_env())


def _init_snapshot_repository(target: Path) -> None:
    """An empty repository in `target`: no hooks from a template, bytes stored as they are."""
    _snapshot_git(target, "init", "-q", "--template=", f"--initial-branch={_SNAPSHOT_BRANCH}")
    info = target / ".git" / "info"
    info.mkdir(exist_ok=True)
    (info / "attributes").write_bytes(_SNAPSHOT_ATTRIBUTES)


def _check_snapshot(target: Path, copy: _Copy) -> str:
    """Check out the commit into the index and prove that its tree is the copy; its id.

    The index is read from the commit and refreshed, so `git status` and `git diff` in a
    check find a clean tree without hashing it again.
    """
    _snapshot_git(target, "read-tree", "HEAD")
    _snapshot_git(target, "update-index", "-q", "--refresh")
    records = _tree_records(_snapshot_git(target, "ls-tree", "-r", "-z", "HEAD"))
    if _content_digest([_Entry(raw, mode, sha) for mode, sha, _, raw in records]) != copy.digest():
        raise SnapshotError(
            "the snapshot's commit does not hold exactly the copied content",
            hint="report this: git stored something other than the bytes copied",
        )
    return _snapshot_git(target, "rev-parse", "HEAD").strip().decode()


class _Importer:
    """`git fast-import` fed by a thread while the copy goes on: git packs as Python copies.

    One pack for all blobs: `git add` would create a loose object file per file, which on
    a slow disk cost more than the copy itself. Each blob is read back from the snapshot's
    own copy, whose size is final once copied. A fixed identity and date make the commit
    id a function of the content alone.
    """

    def __init__(self, target: Path) -> None:
        self._target = target
        self._queue: queue.SimpleQueue[_Entry | None] = queue.SimpleQueue()
        self._failure: BaseException | None = None
        # A file, not a pipe: a chatty git cannot block on it. Closed in __exit__.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (it lives as long as the process)
        args = [git_executable(), *_SNAPSHOT_CONFIG, "fast-import", "--quiet", "--done", "--date-format=raw"]
        self._process = subprocess.Popen(  # noqa: S603 (a fixed argument list, no shell)
            args,
            cwd=target,
            env=_snapshot_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def __enter__(self) -> _Importer:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:  # the copy failed: stop git and the thread, nothing is committed
            self._process.kill()
            self._queue.put(None)
            self._thread.join()
            self._process.wait()
        self._stderr.close()

    def put(self, entry: _Entry) -> None:
        self._queue.put(entry)

    def finish(self) -> None:
        """Commit what was put, and wait for git to write it."""
        self._queue.put(None)
        self._thread.join()
        code = self._process.wait()
        if code != 0:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise RepositoryError(
                f"git failed to make the snapshot: {lines[-1] if lines else f'exit {code}'}"
            )
        if self._failure is not None:
            raise SnapshotError(f"could not store the snapshot: {self._failure}") from self._failure

    def _feed(self) -> None:
        stream = self._process.stdin
        changes: list[bytes] = []
        entry: _Entry | None = None
        try:
            if stream is None:  # Popen with PIPE always has one; for the type checker
                raise RepositoryError("git started without an input pipe")
            while (entry := self._queue.get()) is not None:
                changes.append(_fast_import_entry(stream, self._target, len(changes) + 1, entry))
            message = _SNAPSHOT_MESSAGE
            who = f"Codecot <codecot@localhost> {_IDENTITY['GIT_COMMITTER_DATE']}".encode()
            stream.write(b"commit refs/heads/%s\n" % _SNAPSHOT_BRANCH.encode())
            stream.write(b"author %s\ncommitter %s\ndata %d\n%s" % (who, who, len(message), message))
            stream.writelines(changes)
            stream.write(b"\ndone\n")
            stream.close()
        except BaseException as exc:  # reported by finish, in the caller's thread
            self._failure = exc
            while entry is not None:  # drain up to the caller's last put, so its join returns
                entry = self._queue.get()


def _fast_import_entry(stream: IO[bytes], target: Path, mark: int, entry: _Entry) -> bytes:
    """Send one blob, from the snapshot's copy, and return the line that puts it in the commit."""
    full = os.path.join(os.fsencode(target), entry.raw)
    if entry.mode == _LINK:
        data = os.readlink(full)
        stream.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
    else:
        with open(full, "rb") as handle:
            stream.write(b"blob\nmark :%d\ndata %d\n" % (mark, os.fstat(handle.fileno()).st_size))
            shutil.copyfileobj(handle, stream, _BLOCK_BYTES)
        stream.write(b"\n")
    return b"M %s :%d %s\n" % (entry.mode, mark, _quoted(entry.raw))


def _quoted(raw: bytes) -> bytes:
    """A name as fast-import reads it: C-quoted, so a newline or a leading quote is taken as part of it."""
    return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'"'


def _source_env() -> dict[str, str]:
    """The user's environment (their excludes decide what is untracked, as in the diff); English messages."""
    return git_env()


def _snapshot_env() -> dict[str, str]:
    """No inherited GIT_* variable (a GIT_DIR from a hook aims at the real repository), no user config."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    return {
        **env,
        **_IDENTITY,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LANGUAGE": "C",
        "LC_ALL": "C",
    }


def _git_output(cwd: Path, args: list[str], env: dict[str, str] | None = None) -> bytes:
    """Git's whole output (listings and ids: they grow with the number of files, not their size)."""
    try:
        done = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            [git_executable(), "-c", "core.quotePath=false", *args],
            cwd=cwd,
            env=env or _source_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise RepositoryError(f"could not run git to make the snapshot: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RepositoryError(
            f"git failed to make the snapshot: {lines[-1] if lines else f'exit {done.returncode}'}"
        )
    return done.stdout
