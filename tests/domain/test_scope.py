import pytest

from codecot_mcp.domain.scope import classify_path, glob_match, place_path


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


CHOICES = [
    # (the choice, path, pattern, matches)
    ("anchored with a slash", "lib/src/report.py", "src/report.py", False),
    ("anchored without a slash", "vendor/x/setup.py", "setup.py", False),
    ("a star stays at the root", "pkg/app.py", "*.py", False),
    ("a star at the root", "app.py", "*.py", True),
    ("any depth is spelled out", "vendor/x/setup.py", "**/setup.py", True),
    ("leading ./ is the root", "src/app.py", "./src/app.py", True),
    ("leading / is the root", "src/app.py", "/src/*.py", True),
    ("a star takes dot files", "src/.env", "src/*", True),
    ("a globstar enters dot folders", "src/.cache/a.py", "src/**/*.py", True),
    ("a globstar spans a folder with a newline", "src/a\nb/c.py", "src/**/*.py", True),
    ("a trailing newline is part of the name", "src/a.py\n", "src/*.py", False),
    ("a bracket is a bracket", "app/[slug]/page.tsx", "app/[slug]/**", True),
    ("a bracket is no character class", "app/s/page.tsx", "app/[slug]/**", False),
    ("a leading ! is no negation", "!keep.txt", "!keep.txt", True),
    ("a leading ! excludes nothing", "other.txt", "!keep.txt", False),
    ("a leading # is no comment", "#notes.md", "#*.md", True),
    ("braces are not expanded", "a.py", "{a,b}.py", False),
    ("braces are themselves", "{a,b}.py", "{a,b}.py", True),
    ("a path is a pattern for itself", "odd/a\\b*?.py", "odd/a\\b*?.py", True),
    ("a folder pattern is not its folder", "docs", "docs/", False),
]


@pytest.mark.parametrize(("choice", "path", "pattern", "expected"), CHOICES, ids=[c[0] for c in CHOICES])
def test_globs_follow_the_documented_choices(choice: str, path: str, pattern: str, expected: bool) -> None:
    assert glob_match(path, pattern) is expected


def test_a_pattern_is_compiled_once_and_reused() -> None:
    from codecot_mcp.domain import scope

    scope._compile.cache_clear()
    for path in ("src/a.py", "src/b.py", "docs/c.md"):
        glob_match(path, "src/**/*.py")
    assert (scope._compile.cache_info().misses, scope._compile.cache_info().hits) == (1, 2)


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


def test_a_new_file_is_in_scope_only_directly_in_a_new_file_folder() -> None:
    folders = ["src/pkg", ""]
    assert classify_path("src/pkg/helpers.py", ["src/pkg/core.py"], [], folders, new=True)[0]
    assert classify_path("notes.md", [], [], folders, new=True)[0]  # '' is the root
    assert not classify_path("src/pkg/helpers.py", ["src/pkg/core.py"], [], folders)[0]  # exists: not new
    assert not classify_path("src/pkg/sub/x.py", [], [], folders, new=True)[0]  # below, not in
    assert not classify_path("src/other/x.py", [], [], folders, new=True)[0]


def test_forbidden_wins_over_a_new_file_folder() -> None:
    in_scope, reason = classify_path(".codecot/x.py", [], [".codecot/**"], [".codecot"], new=True)
    assert not in_scope and "forbidden" in reason


def test_a_new_file_folder_written_with_stars_admits_new_files_at_any_depth() -> None:
    folders = ["pkg/tests/**"]
    assert classify_path("pkg/tests/data/fixture.py", [], [], folders, new=True)[0]
    assert classify_path("pkg/tests/test_new.py", [], [], folders, new=True)[0]
    assert not classify_path("pkg/testsuite/x.py", [], [], folders, new=True)[0]  # a prefix, not the folder


def test_an_existing_file_is_nearby_in_a_test_tree_or_when_the_task_recorded_it() -> None:
    """Tests in the test tree and the sources' one-hop imports are in scope, and say so."""
    assert place_path("pkg/tests/test_old.py", [], [], ["pkg/tests/**"])[0] == "nearby"
    assert place_path("pkg/helpers.py", ["pkg/core.py"], [], ["pkg"], {"pkg/helpers.py"})[0] == "nearby"
    # control: an existing file directly in a source folder, recorded nowhere, stays out
    assert place_path("pkg/other.py", ["pkg/core.py"], [], ["pkg", "pkg/tests/**"], {"pkg/helpers.py"}) == (
        "outside",
        "outside the task's allowed paths",
    )
    # a new file takes the new-file rule, and forbidden wins over nearby
    assert place_path("pkg/helpers.py", [], [], [], {"pkg/helpers.py"}, new=True)[0] == "outside"
    assert place_path("pkg/tests/x.py", [], ["pkg/tests/**"], ["pkg/tests/**"])[0] == "forbidden"


def test_the_matcher_agrees_with_wcmatch_on_every_pattern_and_path() -> None:
    """Matching runs wcmatch's own regexes (so a hook can load them from a cache): same answers."""
    from wcmatch import glob

    flags = glob.GLOBSTAR | glob.DOTGLOB | glob.FORCEUNIX
    patterns = ["src/**/*.py", "src/*.py", "**", "pkg/tests/**", ".github/workflows/**", "a?.py"]
    patterns += ["app/[slug]/x", ".codecot/**", "**/setup.py", "docs/*", "x/**/y/*.md"]
    paths = ["src/a.py", "src/a/b/c.py", "src/.hidden.py", "src/a.py\n", "pkg/tests/t.py"]
    paths += ["pkg/testsuite/t.py", ".github/workflows/ci.yml", "ab.py", "app/[slug]/x", "apps/x"]
    paths += [".codecot/config.toml", "setup.py", "v/setup.py", "docs/a/b", "docs/a", "x/y/a.md"]
    paths += ["x/q/y/a.md", "src/../etc"]
    for pattern in patterns:
        expected = glob.compile(pattern.replace("[", "[[]"), flags=flags)
        for path in paths:
            assert glob_match(path, pattern) == (path == pattern or expected.match(path)), (pattern, path)
