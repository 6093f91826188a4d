import pytest

from codecot_mcp.domain.scope import classify_path, glob_match


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("src/app.py", "src/app.py", True),
        ("src/app.py", "src/*.py", True),
        ("src/pkg/app.py", "src/*.py", False),
        ("src/pkg/app.py", "src/**/*.py", True),
        ("src/app.py", "src/**/*.py", True),
        ("tests/unit/test_app.py", "**/test_app.py", True),
        ("test_app.py", "**/test_app.py", True),
        ("docs/a/b.md", "docs/", True),
        ("docsx/a.md", "docs/", False),
        ("a.txt", "?.txt", True),
        ("ab.txt", "?.txt", False),
    ],
)
def test_globs_match_like_git_pathspecs(path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected


def test_forbidden_wins_over_allowed() -> None:
    in_scope, reason = classify_path(".github/workflows/ci.yml", ["**"], [".github/workflows/**"])
    assert not in_scope
    assert "forbidden" in reason


def test_a_path_outside_the_allowed_globs_is_out_of_scope_with_a_reason() -> None:
    assert classify_path("setup.py", ["src/**"], []) == (False, "outside the task's allowed paths")


@pytest.mark.parametrize("pattern", ["../x/**", "/etc/*", "src/../../a", ".git/**", ""])
def test_globs_that_leave_the_repository_are_refused(pattern: str) -> None:
    from codecot_mcp.domain.scope import check_globs
    from codecot_mcp.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        check_globs([pattern])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("src/report.py", ["**/test_report.py", "**/report_test.py"]),
        ("tests/test_report.py", []),
        ("pkg/__init__.py", []),
        ("web/app.ts", ["**/app.test.ts", "**/app.spec.ts"]),
        ("cmd/main.go", ["cmd/main_test.go"]),
        ("README.md", []),
    ],
)
def test_source_files_get_the_usual_test_locations_and_tests_get_none(path: str, expected: list[str]) -> None:
    from codecot_mcp.domain.scope import test_globs_for

    assert test_globs_for(path) == expected
