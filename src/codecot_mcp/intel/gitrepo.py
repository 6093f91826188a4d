"""The few git operations Codecot needs, with GitPython errors mapped to ours.

Every ref that reaches git from outside is checked first (`gitcli.check_ref`): a
value starting with `-` would be read by git as an option.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import git

from codecot_mcp.errors import RepositoryError
from codecot_mcp.intel.gitcli import check_ref


@contextmanager
def git_errors(action: str) -> Iterator[None]:
    """Translate GitPython failures into RepositoryError with git's own words."""
    try:
        yield
    except git.GitCommandError as exc:
        detail = (exc.stderr or str(exc)).strip().splitlines()
        message = detail[-1].removeprefix("stderr: ").strip("' ") if detail else str(exc)
        raise RepositoryError(f"git failed to {action}: {message}") from None
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise RepositoryError(
            f"not a git repository: {exc}", hint="run inside a git work tree or pass --repo"
        ) from None


def find_repo_root(path: Path) -> Path:
    """The top of the git work tree containing `path`."""
    if not path.exists():
        raise RepositoryError(f"{path} does not exist", hint="pass --repo PATH to a git work tree")
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise RepositoryError(
            f"{path} is not inside a git work tree",
            hint="run 'git init' there, or pass --repo PATH to a git work tree",
        ) from None
    try:
        if repo.bare or repo.working_tree_dir is None:
            raise RepositoryError(f"{path} is a bare repository", hint="pass --repo PATH to a work tree")
        return Path(repo.working_tree_dir).resolve()
    finally:
        repo.close()


def open_repo(root: Path) -> git.Repo:
    with git_errors("open the repository"):
        return git.Repo(root)


def head_commit(root: Path) -> str | None:
    """The SHA of HEAD, or None in a repository with no commits yet."""
    repo = open_repo(root)
    try:
        return str(repo.head.commit.hexsha)
    except ValueError:  # unborn HEAD
        return None
    finally:
        repo.close()


_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def head_from_files(root: Path) -> str | None:
    """HEAD's SHA read from the git files themselves, or None when they do not say it plainly.

    A few file reads instead of a repository object: the index asks on every query whether
    HEAD moved. It follows a `.git` file (a linked worktree), its `commondir`, a loose ref
    and `packed-refs`; anything else (a reftable, a ref that points at a ref, an unborn
    branch) is None, and the caller asks git.
    """
    try:
        gitdir = root / ".git"
        if gitdir.is_file():
            gitdir = root / gitdir.read_text("utf-8").strip().removeprefix("gitdir:").strip()
        head = (gitdir / "HEAD").read_text("utf-8").strip()
        if _SHA.fullmatch(head):
            return head
        ref = head.removeprefix("ref: ")
        if ref == head or not ref.startswith("refs/heads/"):
            return None
        common = (
            gitdir / (gitdir / "commondir").read_text("utf-8").strip()
            if (gitdir / "commondir").is_file()
            else gitdir
        )
        if (common / "reftable").exists():
            return None
        loose = common / ref
        if loose.is_file():
            sha = loose.read_text("utf-8").strip()
            return sha if _SHA.fullmatch(sha) else None
        packed = common / "packed-refs"
        for line in packed.read_text("utf-8").splitlines() if packed.is_file() else ():
            sha, _, name = line.partition(" ")
            if name == ref and _SHA.fullmatch(sha):
                return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None


def resolve_commit(root: Path, ref: str) -> str:
    repo = open_repo(root)
    try:
        with git_errors(f"resolve '{ref}'"):
            return str(repo.git.rev_parse("--verify", "--quiet", f"{check_ref(ref)}^{{commit}}"))
    finally:
        repo.close()


def create_worktree(root: Path, branch: str, path: Path, base: str | None) -> None:
    """Create `branch` at `base` (default HEAD) checked out in a new worktree at `path`."""
    repo = open_repo(root)
    try:
        with git_errors(f"create worktree {path.name}"):
            args = ["add", "-b", check_ref(branch), str(path)]
            if base:
                args.append(check_ref(base))
            repo.git.worktree(*args)
    finally:
        repo.close()


def init_and_commit(root: Path, message: str, *, everything: bool = False) -> None:
    """Make a plain folder a git repository with everything committed (demo and benchmark trees).

    `everything` adds ignored files too: a tree exported from a repository (git archive) holds
    only files it tracked, some of them force-added past its own .gitignore (data files).
    """
    try:
        repo = git.Repo.init(root, initial_branch="main")
    except git.GitCommandError:  # an older git without --initial-branch
        repo = git.Repo.init(root)
    try:
        with git_errors("commit the initial tree"):
            repo.git.add("-A", *(["-f"] if everything else []))
            identity = ["-c", "user.name=Codecot", "-c", "user.email=codecot@localhost.invalid"]
            repo.git.execute(
                ["git", *identity, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message]
            )
    finally:
        repo.close()


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether commit `older` is `newer` or one of its ancestors."""
    repo = open_repo(root)
    try:
        repo.git.merge_base("--is-ancestor", check_ref(older), check_ref(newer))
    except git.GitCommandError:
        return False
    finally:
        repo.close()
    return True


def merge_base(root: Path, one: str, other: str) -> str:
    """The commit `one` and `other` fork from (a pull request's base and head)."""
    repo = open_repo(root)
    try:
        with git_errors(f"find the merge base of '{one}' and '{other}'"):
            return str(repo.git.merge_base(check_ref(one), check_ref(other))).strip()
    finally:
        repo.close()
