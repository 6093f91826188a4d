"""The real change: what git says differs between a base and a head.

By default the head is the working tree, so staged, unstaged and untracked (not
ignored) files all count; the agent cannot hide an edit by not committing it.
Codecot's own `.codecot/` folder is not part of a change.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import git

from codecot_mcp.domain.models import ChangeStatus
from codecot_mcp.intel.gitrepo import check_ref, git_errors, open_repo

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_EXCLUDE = ":(exclude).codecot"
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_BINARY_SNIFF_BYTES = 8192
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
    path: str
    status: ChangeStatus
    old_path: str | None = None
    added: int = 0
    deleted: int = 0
    binary: bool = False
    hunks: list[tuple[int, int]] = field(default_factory=list)  # new-side line ranges, 1-based inclusive


@dataclass
class Change:
    base: str
    head: str | None  # None: the working tree
    files: list[ChangedFile]
    digest: str

    @property
    def lines_changed(self) -> int:
        return sum(f.added + f.deleted for f in self.files)


def collect_change(root: Path, base: str | None, head: str | None = None) -> Change:
    repo = open_repo(root)
    try:
        with git_errors("compute the change"):
            base_rev = check_ref(base) if base else _head_or_empty(repo)
            revs = [base_rev] + ([check_ref(head)] if head else [])
            files = _tracked_changes(repo, revs)
            hasher = hashlib.sha256(
                repo.git.diff(
                    "--binary", "--no-color", "-M", *revs, "--", ".", _EXCLUDE, stdout_as_string=False
                )
            )
            if head is None:
                for changed in _untracked(repo, root):
                    files.append(changed)
                    hasher.update(changed.path.encode() + b"\0" + _file_digest(root / changed.path).encode())
    finally:
        repo.close()
    files.sort(key=lambda f: f.path)
    return Change(base=base_rev, head=head, files=files, digest=hasher.hexdigest())


def _head_or_empty(repo: git.Repo) -> str:
    try:
        return str(repo.head.commit.hexsha)
    except ValueError:
        return EMPTY_TREE


def _split_z(data: bytes) -> list[str]:
    return [part.decode("utf-8", "surrogateescape") for part in data.split(b"\0")]


def _tracked_changes(repo: git.Repo, revs: list[str]) -> list[ChangedFile]:
    status_parts = _split_z(
        repo.git.diff("--name-status", "-z", "-M", *revs, "--", ".", _EXCLUDE, stdout_as_string=False)
    )
    files: dict[str, ChangedFile] = {}
    i = 0
    while i < len(status_parts) - 1:
        code = status_parts[i][:1]
        if code in ("R", "C"):
            old, new = status_parts[i + 1], status_parts[i + 2]
            files[new] = ChangedFile(path=new, status=_STATUS[code], old_path=old if code == "R" else None)
            i += 3
        else:
            path = status_parts[i + 1]
            files[path] = ChangedFile(path=path, status=_STATUS.get(code, "modified"))
            i += 2
    _apply_numstat(repo, revs, files)
    _apply_hunks(repo, revs, files)
    return list(files.values())


def _apply_numstat(repo: git.Repo, revs: list[str], files: dict[str, ChangedFile]) -> None:
    parts = _split_z(
        repo.git.diff("--numstat", "-z", "-M", *revs, "--", ".", _EXCLUDE, stdout_as_string=False)
    )
    i = 0
    while i < len(parts):
        fields = parts[i].split("\t")
        if len(fields) < 3:
            i += 1
            continue
        added, deleted, path = fields[0], fields[1], fields[2]
        if path == "":  # a rename: the old and new paths follow as their own fields
            path = parts[i + 2] if i + 2 < len(parts) else ""
            i += 3
        else:
            i += 1
        changed = files.get(path)
        if changed is None:
            continue
        if added == "-":
            changed.binary = True
        else:
            changed.added, changed.deleted = int(added), int(deleted)


def _apply_hunks(repo: git.Repo, revs: list[str], files: dict[str, ChangedFile]) -> None:
    patch = repo.git.diff(
        "-U0", "--no-color", "--no-ext-diff", "-M", *revs, "--", ".", _EXCLUDE, stdout_as_string=False
    )
    current: ChangedFile | None = None
    for line in patch.split(b"\n"):
        if line.startswith(b"+++ "):
            target = line[4:].decode("utf-8", "surrogateescape")
            current = files.get(target[2:]) if target.startswith("b/") else None
        elif current is not None and line.startswith(b"@@"):
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or b"1")
                # A pure deletion (count 0) is reported at the line it follows.
                current.hunks.append((max(start, 1), max(start + count - 1, start)))


def _untracked(repo: git.Repo, root: Path) -> list[ChangedFile]:
    names = _split_z(
        repo.git.ls_files("--others", "--exclude-standard", "-z", "--", ".", _EXCLUDE, stdout_as_string=False)
    )
    changed: list[ChangedFile] = []
    for name in filter(None, names):
        binary, lines = _sniff(root / name)
        changed.append(
            ChangedFile(
                path=name,
                status="untracked",
                added=lines,
                binary=binary,
                hunks=[] if binary or lines == 0 else [(1, lines)],
            )
        )
    return changed


def _sniff(path: Path) -> tuple[bool, int]:
    """(binary?, line count), reading in blocks so a huge file is never held in memory."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_BINARY_SNIFF_BYTES)
            if b"\0" in head:
                return True, 0
            lines = head.count(b"\n")
            last = head[-1:] if head else b""
            while block := handle.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
    except OSError:
        return False, 0
    return False, lines + (1 if last and last != b"\n" else 0)


def _file_digest(path: Path) -> str:
    hasher = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                hasher.update(block)
    except OSError:
        return "unreadable"
    return hasher.hexdigest()
