"""Whether a validated change is still the change in the task's work tree.

`workflow_status`, the PR draft and the stop hook ask it. The hook runs before every
stop as a process of its own, so this module loads neither the models nor GitPython:
it takes the few fields of a task and a validation it needs, from a model or from
the JSON file.
"""

from __future__ import annotations

from pathlib import Path

from codecot_mcp.errors import CodecotError
from codecot_mcp.intel.gitcli import commit_of, worktree_folders
from codecot_mcp.intel.treedigest import working_tree_digest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class ValidatedChange(Protocol):
        """What a validation says it judged: a work tree against a base, or a revision."""

        @property
        def working_tree(self) -> bool: ...
        @property
        def base_commit(self) -> str | None: ...
        @property
        def head_ref(self) -> str | None: ...
        @property
        def head_commit(self) -> str | None: ...
        @property
        def diff_digest(self) -> str: ...


def task_folder(root: Path, worktree: str | None) -> Path | None:
    """The worktree a task names, if git lists it as one of this repository's; else None.

    `worktree` comes from a JSON file anyone can edit: any other folder, say another
    repository, would have its diff judged and the task's checks run in it.
    """
    if not worktree:
        return None
    path = (root / worktree).resolve()
    return path if path.is_dir() and path in worktree_folders(root) else None


def is_stale(workdir: Path, validation: ValidatedChange) -> bool:
    """True when `workdir` (the task's) no longer matches the validated change,
    or the validated revision (a branch, say) now names another commit."""
    if not validation.working_tree:
        if not validation.head_ref:
            return False
        try:
            return commit_of(workdir, validation.head_ref) != validation.head_commit
        except CodecotError:
            return True
    try:
        return working_tree_digest(workdir, validation.base_commit) != validation.diff_digest
    except CodecotError:
        return True
