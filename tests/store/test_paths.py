from pathlib import Path

import pytest

from codecot_mcp.domain.scope import classify_path, glob_match, is_test_path
from codecot_mcp.errors import UnsafePathError
from codecot_mcp.repofiles import refuse_links, resolve


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/app.py", "src/app.py"),
        ("./src/app.py", "src/app.py"),
        ("src/../README.md", "README.md"),
        ("new/file.txt", "new/file.txt"),
    ],
)
def test_paths_inside_the_repository_resolve(tmp_path: Path, path: str, expected: str) -> None:
    assert resolve(tmp_path, path) == expected


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../outside.txt", "src/../../x", ".git/config", "a/../.git/HEAD", "", "x\x00y"]
)
def test_paths_that_leave_the_repository_or_reach_git_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafePathError):
        resolve(tmp_path, path)


def test_a_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside"):
        resolve(root, "link/secret.txt")


@pytest.mark.parametrize(
    "path", [".github/workflows/x\ny.yml", ".github/workflows/\n", ".github/workflows/a\nb/c.yml"]
)
def test_a_newline_in_a_name_does_not_slip_past_a_forbidden_folder(path: str) -> None:
    in_scope, reason = classify_path(path, [".github/*/*", ".github/**"], [".github/workflows/**"])
    assert not in_scope and "forbidden" in reason


@pytest.mark.parametrize(
    ("path", "pattern", "matches"),
    [
        ("src/a\nb.py", "src/**", True),
        ("src/a\nb.py", "src/*.py", True),
        ("src/x/a\nb.py", "src/**/*.py", True),
        ("src/a.py\n", "src/*.py", False),  # `\Z`, not `$`: a trailing newline is part of the name
        ("src/a\nb.py", "src/a", False),
    ],
)
def test_globs_treat_a_newline_as_any_other_character(path: str, pattern: str, matches: bool) -> None:
    assert glob_match(path, pattern) is matches


def test_a_trailing_newline_does_not_make_a_test_file() -> None:
    assert is_test_path("test_x.py") and not is_test_path("test_x.py\n")


def test_refuse_links_names_the_linked_part(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "real").mkdir(parents=True)
    (root / "link").symlink_to(tmp_path, target_is_directory=True)
    refuse_links(root, root / "real" / "not-yet" / "file.md")  # missing parts are fine
    with pytest.raises(UnsafePathError, match="'link' is a symbolic link"):
        refuse_links(root, root / "link" / "file.md")
    with pytest.raises(UnsafePathError):
        refuse_links(root, tmp_path / "elsewhere.md")
