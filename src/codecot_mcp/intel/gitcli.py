"""Git run as a program, with no GitPython import: what a host's stop hook needs to ask git.

A hook is a process of its own on every stop, and importing GitPython would be a
large part of its run; these few questions need one `git` call each. Every ref that
reaches git from outside is checked first: a value starting with `-` would be read
by git as an option.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from codecot_mcp.errors import InvalidInputError

_SAFE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@{}~^-]{0,200}$")
GIT_TIMEOUT_S = 30


def check_ref(ref: str) -> str:
    """Refuse refs that git could read as options or that are not ref-shaped.

    `fullmatch`, not `match`: `$` also matches before a final newline, so "HEAD\\n" got through.
    """
    if not _SAFE_REF.fullmatch(ref) or ".." in ref:
        raise InvalidInputError(
            f"'{ref}' is not a usable git revision", hint="pass a commit SHA, branch or tag name"
        )
    return ref


def git_executable() -> str:
    """The git that GitPython runs too: `GIT_PYTHON_GIT_EXECUTABLE`, else `git` on PATH."""
    return os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"


def git_env() -> dict[str, str]:
    """The user's environment with git's messages in English, as GitPython runs it."""
    return {**os.environ, "LANGUAGE": "C", "LC_ALL": "C"}


def git_text(workdir: Path, args: list[str]) -> str | None:
    """Git's output for a short answer, or None when git fails or cannot run."""
    env = git_env()
    try:
        done = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            [git_executable(), *args],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def commit_of(workdir: Path, ref: str) -> str | None:
    """The commit `ref` names now, or None when it names none."""
    out = git_text(workdir, ["rev-parse", "--verify", "--quiet", f"{check_ref(ref)}^{{commit}}"])
    return out.strip() if out else None


def worktree_folders(root: Path) -> set[Path]:
    """The resolved folders of every worktree git lists for the repository at `root`."""
    output, separator = git_text(root, ["worktree", "list", "--porcelain", "-z"]), "\0"
    if output is None:  # git before 2.36 has no -z
        output, separator = git_text(root, ["worktree", "list", "--porcelain"]), "\n"
    return {
        Path(line.removeprefix("worktree ")).resolve()
        for line in (output or "").split(separator)
        if line.startswith("worktree ")
    }
