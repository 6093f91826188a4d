from pathlib import Path

import pytest

from codecot_mcp.errors import UnsafePathError
from codecot_mcp.store.paths import resolve_in_repo


@pytest.mark.parametrize("path", ["src/app.py", "./src/app.py", "src/../README.md", "new/file.txt"])
def test_paths_inside_the_repository_resolve(tmp_path: Path, path: str) -> None:
    assert tmp_path.resolve() in resolve_in_repo(tmp_path, path).parents


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../outside.txt", "src/../../x", ".git/config", "a/../.git/HEAD", "", "x\x00y"]
)
def test_paths_that_leave_the_repository_or_reach_git_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafePathError):
        resolve_in_repo(tmp_path, path)


def test_a_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_in_repo(root, "link/secret.txt")
