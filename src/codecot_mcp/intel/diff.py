"""The real change: what git says differs between a base and a head.

By default the head is the working tree, so staged, unstaged and untracked (not
ignored) files all count; the agent cannot hide an edit by not committing it.
Codecot's own records under `.codecot/` (artifacts, the event log, the config it
seals per task, the cache) are not part of a change; anything else placed under
`.codecot/` is, and is judged like code, so it cannot hide there.

Git runs through `intel/treedigest.py`, which pins the options user config could
otherwise change and takes the change's digest with the same runs; file names are
bytes to git, so they are matched as bytes and only turned into text for display.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from codecot_mcp.intel.gitcli import check_ref
from codecot_mcp.intel.treedigest import (
    DIFF,
    PATHSPEC,
    READ_BYTES,
    change_digest,
    git_output,
    git_stream,
    head_or_empty,
    path_kind,
    untracked_names,
    work_tree,
)
from codecot_mcp.repofiles import RepoTree, UnreadableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from codecot_mcp.domain.models import ChangeStatus

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BINARY_SNIFF_BYTES = 8192
_LINE_BYTES = 1 << 16  # a patch line longer than this is content; only its start matters
_GITLINK = b"160000"
_NO_MODE = b"000000"
_C_ESCAPES = dict(zip(b"abtnvfr", b"\a\b\t\n\v\f\r", strict=True))
_STATUS: dict[str, ChangeStatus] = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "added",
    "T": "modified",
}


@dataclass
class ChangedFile:
    path: str  # always valid UTF-8: bytes that are not are shown as \xNN
    status: ChangeStatus
    old_path: str | None = None
    added: int = 0
    deleted: int = 0
    binary: bool = False
    hunks: list[tuple[int, int]] = field(default_factory=list)  # added lines, new side, 1-based inclusive
    old_hunks: list[tuple[int, int]] = field(default_factory=list)  # removed lines, in the base version
    mode_change: str | None = None  # "100644 -> 100755" when git records a new file mode
    submodule: bool = False  # a gitlink: what changed is the submodule's commit pointer
    raw_path: bytes = b""  # the name exactly as git stores it, for hashing and opening the file

    def __post_init__(self) -> None:
        """Keep `path` safe to store as JSON even when built from a surrogate-escaped name."""
        if not self.raw_path:
            self.raw_path = self.path.encode("utf-8", "surrogateescape")
        self.path = _display(self.path.encode("utf-8", "surrogateescape"))
        if self.old_path is not None:
            self.old_path = _display(self.old_path.encode("utf-8", "surrogateescape"))


@dataclass
class Change:
    base: str
    head: str | None  # None: the working tree
    files: list[ChangedFile]
    digest: str


def collect_change(root: Path, base: str | None, head: str | None = None) -> Change:
    workdir = work_tree(root)
    base_rev = check_ref(base) if base else head_or_empty(workdir)
    revs = [base_rev] + ([check_ref(head)] if head else [])
    files = _tracked_changes(workdir, revs)
    untracked = _untracked(RepoTree(workdir), workdir) if head is None else []
    digest = change_digest(workdir, revs, [changed.raw_path for changed in untracked])
    files = sorted([*files, *untracked], key=lambda f: f.path)
    return Change(base=base_rev, head=head, files=files, digest=digest)


def _display(raw: bytes) -> str:
    """The name as text: UTF-8 names unchanged, any other byte as a visible \\xNN escape."""
    return raw.decode("utf-8", "backslashreplace")


def _tracked_changes(workdir: Path, revs: list[str]) -> list[ChangedFile]:
    """One entry per file git reports, keyed by the name's bytes; statuses and modes from --raw."""
    parts = git_output(workdir, [*DIFF, "--raw", "-z", *revs, *PATHSPEC]).split(b"\0")
    files: dict[bytes, ChangedFile] = {}
    i = 0
    while i < len(parts) - 1:
        meta = parts[i].removeprefix(b":").split(b" ")
        if len(meta) < 5:
            i += 1
            continue
        old_mode, new_mode, code = meta[0], meta[1], meta[4][:1].decode("ascii", "replace")
        old: bytes | None = None
        if code in ("R", "C"):
            old, new = parts[i + 1], parts[i + 2]
            i += 3
        else:
            new = parts[i + 1]
            i += 2
        files[new] = ChangedFile(
            path=_display(new),
            status=_STATUS.get(code, "modified"),
            old_path=_display(old) if old is not None and code == "R" else None,
            mode_change=_mode_change(old_mode, new_mode),
            submodule=_GITLINK in (old_mode, new_mode),
            raw_path=new,
        )
    _apply_numstat(workdir, revs, files)
    _apply_hunks(workdir, revs, files)
    return list(files.values())


def _mode_change(old_mode: bytes, new_mode: bytes) -> str | None:
    """Like "100644 -> 100755" for a chmod or a change of type; None if unchanged, new or gone."""
    if old_mode == new_mode or _NO_MODE in (old_mode, new_mode):
        return None
    return f"{old_mode.decode('ascii', 'replace')} -> {new_mode.decode('ascii', 'replace')}"


def _apply_numstat(workdir: Path, revs: list[str], files: dict[bytes, ChangedFile]) -> None:
    parts = git_output(workdir, [*DIFF, "--numstat", "-z", *revs, *PATHSPEC]).split(b"\0")
    i = 0
    while i < len(parts):
        fields = parts[i].split(b"\t", 2)  # a name may itself hold a tab
        if len(fields) < 3:
            i += 1
            continue
        added, deleted, path = fields
        if path == b"":  # a rename: the old and new paths follow as their own fields
            path = parts[i + 2] if i + 2 < len(parts) else b""
            i += 3
        else:
            i += 1
        changed = files.get(path)
        if changed is None:
            continue
        if added == b"-":
            changed.binary = True
        else:
            changed.added, changed.deleted = int(added), int(deleted)


def _apply_hunks(workdir: Path, revs: list[str], files: dict[bytes, ChangedFile]) -> None:
    """Line ranges from a -U0 patch, read line by line: new side, and removed lines on the old side.

    A `+++ ` line names the file only in a header (between `diff --git` and the
    first `@@`); in a hunk it is an added line that happens to start with `++ `.
    """
    current: ChangedFile | None = None
    in_header = has_new_side = False
    with git_stream(workdir, [*DIFF, "-U0", *revs, *PATHSPEC]) as patch:
        for line in _line_starts(patch):
            if line.startswith(b"diff --git "):
                current, in_header, has_new_side = None, True, False
            elif in_header and line.startswith(b"--- "):  # names a deleted file; `+++` overrides
                source = _patch_name(line[4:])
                current = files.get(source[2:]) if source.startswith(b"a/") else None
            elif in_header and line.startswith(b"+++ "):
                target = _patch_name(line[4:])
                has_new_side = target.startswith(b"b/")
                if has_new_side:
                    current = files.get(target[2:])
            elif line.startswith(b"@@"):
                in_header = False
                match = _HUNK.match(line)
                if current is not None and match:
                    old_start, old_count = int(match.group(1)), int(match.group(2) or b"1")
                    start, count = int(match.group(3)), int(match.group(4) or b"1")
                    if has_new_side and count:  # a pure deletion has old lines only
                        current.hunks.append((start, start + count - 1))
                    if old_count:
                        current.old_hunks.append((old_start, old_start + old_count - 1))


def _line_starts(stream: IO[bytes]) -> Iterator[bytes]:
    """The start of each line (without its newline), never more than _LINE_BYTES of it."""
    at_start = True
    while piece := stream.readline(_LINE_BYTES):
        if at_start:
            yield piece.rstrip(b"\n")
        at_start = piece.endswith(b"\n")


def _patch_name(text: bytes) -> bytes:
    """The name in a `+++ ` header: C-quoted when git had to, else followed by a tab if it holds a space."""
    if text.startswith(b'"'):
        return _unquote(text)
    return text.rstrip(b"\t")  # an unquoted name never holds a tab itself


def _unquote(text: bytes) -> bytes:
    """The bytes of a C-quoted name as git writes it: "b/na\\303\\257ve.py" -> b/naïve.py."""
    out = bytearray()
    i = 1
    while i < len(text) and text[i] != ord('"'):
        if text[i] == ord("\\") and i + 1 < len(text):
            escaped = text[i + 1]
            if ord("0") <= escaped <= ord("7"):
                out.append(int(text[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_C_ESCAPES.get(escaped, escaped))  # \" and \\ stand for themselves
            i += 2
            continue
        out.append(text[i])
        i += 1
    return bytes(out)


def _untracked(tree: RepoTree, workdir: Path) -> list[ChangedFile]:
    """Untracked files as git would add them: a symlink is its link text, a FIFO or device binary."""
    changed: list[ChangedFile] = []
    for name in untracked_names(workdir):
        binary, lines = _sniff(tree, os.fsdecode(name))
        changed.append(
            ChangedFile(
                path=_display(name),
                status="untracked",
                added=lines,
                binary=binary,
                hunks=[] if binary or lines == 0 else [(1, lines)],
                raw_path=name,
            )
        )
    return changed


def _sniff(tree: RepoTree, name: str) -> tuple[bool, int]:
    """(binary?, line count), reading in blocks so a huge file is never held in memory.

    Nothing is followed or opened that is not a regular file: a symlink counts its link
    text (the target may be outside the repository, or /dev/zero), and a FIFO, device or
    socket is binary with nothing read, so none of them can leak content or hang.
    """
    try:
        kind = path_kind(tree, name)
        if kind == "link":
            return _text_stats(tree.read_link(name))
        if kind != "file":
            return True, 0
        with closing(tree.blocks(name, READ_BYTES)) as blocks:
            head = next(blocks, b"")
            if b"\0" in head[:_BINARY_SNIFF_BYTES]:
                return True, 0
            lines, last = head.count(b"\n"), head[-1:]
            for block in blocks:
                lines += block.count(b"\n")
                last = block[-1:]
    except UnreadableError:
        return False, 0
    return False, lines + (1 if last and last != b"\n" else 0)


def _text_stats(data: bytes) -> tuple[bool, int]:
    """(binary?, line count) of bytes held in memory, counted as for a file."""
    if b"\0" in data[:_BINARY_SNIFF_BYTES]:
        return True, 0
    return False, data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
