"""Builders shared by the intel tests (kept out of conftest.py, which other suites own)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, write_files
from tests.intel.samples import SAMPLE_FILES


def build_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    """A git repository at `root` with `files` (default: the multi-language sample) committed."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, SAMPLE_FILES if files is None else files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root
