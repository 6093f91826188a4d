"""Drift: files a spec or task depends on that changed since its last validation.

A validation records a content hash of every file the spec names as affected and
every file the change touched. Comparing those with the working tree later tells a
reviewer which validated code moved under the spec, even when the change itself
was committed and the verdict's diff still matches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from codecot_mcp.domain.models import Spec, Task, Validation
from codecot_mcp.errors import UnsafePathError
from codecot_mcp.repofiles import RepoTree, UnreadableError, resolve
from codecot_mcp.services.staleness import task_folder

logger = logging.getLogger(__name__)


def file_hashes(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """sha256 of each file under `root` ('' for a missing, unsafe or unreadable one).

    A link, or a file in a linked folder, counts as absent: hashing its target would
    read through the link, and a file outside the repository could pass for validated code.
    """
    tree = RepoTree(root)
    hashes: dict[str, str] = {}
    for path in sorted(set(paths)):
        try:
            hashes[path] = tree.sha256(resolve(root, path))
        except (UnsafePathError, UnreadableError):  # a refused path or an unreadable file: absent
            hashes[path] = ""
    return hashes


def watched_paths(spec: Spec | None, changed: Iterable[str]) -> list[str]:
    affected = [a.path for a in spec.affected_code] if spec else []
    return sorted({*affected, *changed})


def drifted(root: Path, validation: Validation) -> list[str]:
    """Watched files whose content differs from what was validated."""
    now = file_hashes(root, validation.watched)
    return [path for path, digest in validation.watched.items() if now.get(path) != digest]


def workdir_of(root: Path, task: Task) -> Path:
    """Where a task's change lives: its worktree if git still lists it, else the repository."""
    folder = task_folder(root, task.worktree)
    if folder is None and task.worktree and (root / task.worktree).resolve().is_dir():
        logger.warning(
            "codecot: %s names worktree %s, which is not a git worktree of this repository; "
            "using the repository itself",
            task.id,
            task.worktree,
        )
    return folder or root
