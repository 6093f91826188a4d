"""Co-change from the repository's own history: which files changed together with which.

A fix in one file often needs the file that has changed with it before (a module and
its registry, a parser and its dialect). `git log --name-only` needs commits and trees
only, so it works offline in a blobless or shallow clone; a tree without history, or
git failing, gives no co-change and nothing else changes. Large commits (a sweep, a
rename, a reformat) say nothing about which files belong together and are skipped.
"""

from __future__ import annotations

import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

MAX_COMMITS = 300  # the recent past: old couplings fade as code moves
MAX_FILES_PER_COMMIT = 12  # more than this is a sweep, not a change that belongs together
GIT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class CoChange:
    """Per file, how many of the read commits changed it, and with which other files how often."""

    commits: Counter[str] = field(default_factory=Counter)
    pairs: dict[str, Counter[str]] = field(default_factory=dict)

    def partners(self, path: str) -> list[tuple[str, int]]:
        """Files that changed with `path`, most often first (ties by path)."""
        found = self.pairs.get(path)
        return sorted(found.items(), key=lambda item: (-item[1], item[0])) if found else []


NO_HISTORY = CoChange()


def read_co_change(root: Path, head: str | None) -> CoChange:
    """Co-change over the last MAX_COMMITS commits up to `head` (None: the tree has no commit)."""
    return parse_log(read_log(root, head))


def read_log(root: Path, head: str | None) -> str:
    """The `git log` that co-change is counted from; "" without history or when git fails."""
    if head is None:
        return ""
    try:
        done = subprocess.run(  # noqa: S603 (a fixed argument list)
            [  # noqa: S607 (git found on PATH, as the user runs it)
                "git",
                "-c",
                "core.quotePath=false",
                "log",
                f"-n{MAX_COMMITS}",
                "--no-merges",
                "--no-renames",
                "--name-only",
                "--format=%x00",
                head,
            ],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def parse_log(text: str) -> CoChange:
    """`git log --name-only --format=%x00` output as co-change counts."""
    commits: Counter[str] = Counter()
    pairs: dict[str, Counter[str]] = defaultdict(Counter)
    for block in text.split("\x00"):
        files = sorted({line for line in block.splitlines() if line.strip()})
        if not files or len(files) > MAX_FILES_PER_COMMIT:
            continue
        commits.update(files)
        for path in files:
            pairs[path].update(other for other in files if other != path)
    return CoChange(commits, dict(pairs))
