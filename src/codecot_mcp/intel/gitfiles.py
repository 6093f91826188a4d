"""The files the index covers, as git sees them: tracked plus untracked-not-ignored.

Git already knows the blob id of every tracked file that is unchanged in the
work tree, so a warm open needs three cheap `git ls-files` calls and no file
reads at all. Only modified and untracked files have to be hashed by us (with
git's own blob formula, so ids stay comparable).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codecot_mcp.intel.gitrepo import git_errors, open_repo

CODECOT_FOLDER = ".codecot"
_SKIPPED_MODES = frozenset({"120000", "160000"})  # symlinks and submodules are not files we read


@dataclass(frozen=True)
class GitListing:
    """`clean` maps unchanged tracked files to their blob id; `dirty` need hashing (may be gone)."""

    clean: dict[str, str]
    dirty: list[str]

    @property
    def paths(self) -> list[str]:
        return sorted([*self.clean, *self.dirty])


def list_files(root: Path) -> GitListing:
    """Ask git for the work tree's files; GitPython failures become RepositoryError."""
    repo = open_repo(root)
    try:
        with git_errors("list the repository's files"):
            every = _split(repo.git.ls_files("-z", "--cached", "--others", "--exclude-standard"))
            staged = repo.git.ls_files("-s", "-z")
            modified = set(_split(repo.git.ls_files("-z", "-m")))
    finally:
        repo.close()
    blobs, skipped = _parse_stage(staged)
    clean: dict[str, str] = {}
    dirty: list[str] = []
    for path in dict.fromkeys(every):
        if path in skipped or path.endswith("/") or _is_codecot(path) or not _is_utf8(path):
            continue
        blob = blobs.get(path)
        if blob is not None and path not in modified:
            clean[path] = blob
        else:
            dirty.append(path)
    return GitListing(clean, dirty)


def _is_utf8(path: str) -> bool:
    """A name that is not UTF-8 (git hands it over with escaped bytes) is left out of the index:
    SQLite stores text as UTF-8, and such files are rare. Validation still sees them."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_stage(output: str) -> tuple[dict[str, str], set[str]]:
    """`git ls-files -s -z` rows ('<mode> <blob> <stage>\\t<path>') -> blob ids, skipped paths."""
    blobs: dict[str, str] = {}
    skipped: set[str] = set()
    for entry in _split(output):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) != 3:
            continue
        mode, blob, stage = fields
        if mode in _SKIPPED_MODES:
            skipped.add(path)
        elif stage == "0":
            blobs[path] = blob
    return blobs, skipped


def _is_codecot(path: str) -> bool:
    return path == CODECOT_FOLDER or path.startswith(CODECOT_FOLDER + "/")


def _split(output: str) -> list[str]:
    return [item for item in output.split("\0") if item]
