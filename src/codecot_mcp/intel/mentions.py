"""Match what a text writes (paths, file names, dotted modules) against the repository's files.

A path in an issue is rarely the repo-relative one: it is absolute, from another
machine, inside site-packages, or a GitHub URL. Matching compares path components
from the end, so `.../site-packages/pkg/mod.py` and `blob/main/src/pkg/mod.py`
both find `src/pkg/mod.py`.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from typing import NamedTuple

MIN_SHARED_PARTS = 2  # "pkg/mod.py" pins a file; "mod.py" alone is only a file name


class PathMatch(NamedTuple):
    path: str
    full: bool  # True: the written path pins this file; False: only the file name agrees
    owners: int  # how many repo files share the file name


class FileNames:
    """Lookup tables over one snapshot of the repository's file list."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = sorted(paths)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        for path in self.paths:
            name = posixpath.basename(path)
            self.by_name[name].append(path)
            self.by_stem[name.split(".", 1)[0]].append(path)

    def match_path(self, written: str) -> list[PathMatch]:
        """Repo files a written path (or file name) may mean."""
        parts = [part for part in written.replace("\\", "/").split("/") if part not in ("", ".")]
        if not parts:
            return []
        owners = self.by_name.get(parts[-1], [])
        matches = []
        for path in owners:
            repo_parts = path.split("/")
            shared = _shared_tail(parts, repo_parts)
            full = shared >= MIN_SHARED_PARTS or shared == len(repo_parts)
            matches.append(PathMatch(path, full, len(owners)))
        return matches

    def resolve(self, written: str) -> str | None:
        """The repo file a written path pins, or None; the longest shared tail wins, then the
        shallower path, then the alphabetically first (so `src/` beats `tests/`)."""
        parts = [part for part in written.replace("\\", "/").split("/") if part not in ("", ".")]
        candidates = [
            (-_shared_tail(parts, match.path.split("/")), match.path.count("/"), match.path)
            for match in self.match_path(written)
            if match.full
        ]
        return min(candidates)[2] if candidates else None

    @cached_property
    def python_modules(self) -> list[tuple[str, str]]:
        """('.pkg.mod', path) for every Python file; the leading dot keeps suffix tests part-aligned."""
        modules: list[tuple[str, str]] = []
        for path in self.paths:
            if path.endswith(".py"):
                parts = path[:-3].split("/")
                modules.append(("." + ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
        return modules

    def match_module(self, dotted: str) -> list[tuple[str, str]]:
        """(path, module) of Python files whose module ends with `dotted` or its longest prefix."""
        names = dotted.split(".")
        for count in range(len(names), 1, -1):
            wanted = "." + ".".join(names[:count])
            found = [(path, wanted[1:]) for module, path in self.python_modules if module.endswith(wanted)]
            if found:
                return found
        return []


def _shared_tail(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(reversed(left), reversed(right), strict=False):
        if a != b:
            break
        count += 1
    return count
