"""Keeping every path that comes from outside inside the repository.

Tool arguments, resource URIs and artifact fields are hostile until proven
otherwise: a path is resolved (symlinks and `..` included) and must land under
the repository root and outside `.git/`.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from codecot_mcp.errors import UnsafePathError

CODECOT_DIR = ".codecot"


def resolve_in_repo(root: Path, user_path: str) -> Path:
    """Return the absolute path of `user_path` if it stays inside `root`, else raise.

    Refuses absolute paths, NUL bytes, anything that resolves outside the root
    (including through a symlink) and anything inside `.git/`.
    """
    if not user_path or "\x00" in user_path:
        raise UnsafePathError(
            "empty path or NUL byte in path", hint="pass a path relative to the repository root"
        )
    candidate = PurePosixPath(user_path.replace("\\", "/"))
    if candidate.is_absolute():
        raise UnsafePathError(
            f"'{user_path}' is absolute", hint="pass a path relative to the repository root, e.g. src/app.py"
        )
    if ".git" in candidate.parts:
        raise UnsafePathError(
            f"'{user_path}' is inside .git/", hint="git internals are not readable through Codecot"
        )
    real_root = root.resolve()
    resolved = (real_root / candidate).resolve()
    if resolved != real_root and real_root not in resolved.parents:
        raise UnsafePathError(
            f"'{user_path}' resolves outside the repository",
            hint="symlinks and '..' may not leave the repository",
        )
    relative = resolved.relative_to(real_root)
    if relative.parts[:1] == (".git",):
        raise UnsafePathError(
            f"'{user_path}' is inside .git/", hint="git internals are not readable through Codecot"
        )
    return resolved


def relative_posix(root: Path, path: Path) -> str:
    """The repository-relative POSIX form of an absolute path under `root`."""
    return path.resolve().relative_to(root.resolve()).as_posix()
