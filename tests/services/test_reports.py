"""A check that runs tests is judged by its runner's report: which commands are read, what is asked
of them, and, for pytest, attacks on the exit code with their controls (the other runners are in
test_runner_reports.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codecot_mcp.services.checks import run_check
from codecot_mcp.services.reports import judged_by_report, report_kind, report_request

PY = sys.executable
PASSING = "def test_ok():\n    assert True\n"
FAILING = "def test_ok():\n    assert True\n\n\ndef test_broken():\n    assert 1 == 2\n"
EXIT_ZERO_AT_EXIT = "import atexit, os\natexit.register(lambda: os._exit(0))\n"


def _check(
    tmp_path: Path, files: dict[str, str], *extra: str
) -> tuple[int | None, bool, str | None, dict[str, int] | None]:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name, text in files.items():
        (tree / name).write_text(text, encoding="utf-8")
    report = tmp_path / "report"
    report.mkdir()
    argv = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    asked = report_request(argv, report, tree)
    assert asked is not None and asked.stdout_to is None
    raw = run_check("tests", asked.argv, tree, timeout=60, max_output=65536)
    judged, _ = judged_by_report(raw, asked)
    return raw.exit_code, judged.passed, judged.failure, judged.tests


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["python3", "-m", "pytest", "-q"], "pytest"),
        (["/venv/bin/pytest", "tests"], "pytest"),
        (["py.test"], "pytest"),
        (["python3", "-m", "unittest"], None),
        (["go", "test", "./..."], "go"),
        (["/usr/local/go/bin/go", "test", "-run", "TestAdd", "."], "go"),
        (["go", "vet", "./..."], None),
        (["node", "--test"], "node"),
        (["/usr/bin/node", "--require", "./setup.cjs", "--test", "test/"], "node"),
        (["node", "--test-reporter", "dot", "--test"], "node"),
        (["node", "script.js", "--test"], None),  # an argument of the script, not node's runner
        (["node", "test.js"], None),
        (["cargo", "test", "--", "-Z", "unstable-options", "--format", "json"], "cargo"),
        (["cargo", "+nightly", "test", "--", "-Zunstable-options", "--format=json"], "cargo"),
        (["cargo", "test"], None),  # stable libtest writes no structured report
        (["cargo", "test", "--message-format", "json"], None),  # the compiler's messages, not the tests'
        (["cargo", "test", "--format", "json"], None),  # not libtest's argument: before `--`
        (["cargo", "nextest", "run"], None),
        (["npm", "test"], None),
        (["npx", "jest"], None),
        (["npx", "vitest", "run"], None),
        ([], None),
    ],
)
def test_a_check_is_known_to_run_a_runner_with_a_report_by_its_command(
    argv: list[str], kind: str | None
) -> None:
    assert report_kind(argv) == kind


TAP_TO = "--test-reporter-destination={folder}/report.tap"


@pytest.mark.parametrize(
    ("argv", "asked", "from_output"),
    [
        (["pytest", "-q"], ["pytest", "-q", "--junitxml={folder}/report.xml"], False),
        (["go", "test", "./..."], ["go", "test", "-json", "./..."], True),
        (["go", "test", "-json", "./..."], ["go", "test", "-json", "./..."], True),
        (["go", "test", ".", "-args", "-json"], ["go", "test", "-json", ".", "-args", "-json"], True),
        (
            ["cargo", "test", "--", "-Z", "unstable-options", "--format", "json"],
            ["cargo", "test", "--no-fail-fast", "--", "-Z", "unstable-options", "--format", "json"],
            True,
        ),
        (
            ["cargo", "+nightly", "test", "--no-fail-fast", "--", "--format=json"],
            ["cargo", "+nightly", "test", "--no-fail-fast", "--", "--format=json"],
            True,
        ),
        (
            ["node", "--test"],
            [
                "node",
                "--test-reporter=tap",
                TAP_TO,
                "--test-reporter=spec",
                "--test-reporter-destination=stdout",
                "--test",
            ],
            False,
        ),
        (  # the command's one reporter wrote to stdout; with two, node wants a destination for each
            ["node", "--test-reporter", "dot", "--test"],
            [
                "node",
                "--test-reporter=tap",
                TAP_TO,
                "--test-reporter-destination=stdout",
                "--test-reporter",
                "dot",
                "--test",
            ],
            False,
        ),
        (
            ["node", "--test", "--test-reporter=dot", "--test-reporter-destination=out.txt", "test/"],
            [
                "node",
                "--test-reporter=tap",
                TAP_TO,
                "--test",
                "--test-reporter=dot",
                "--test-reporter-destination=out.txt",
                "test/",
            ],
            False,
        ),
    ],
)
def test_each_runner_is_asked_for_its_report_outside_the_tree(
    tmp_path: Path, argv: list[str], asked: list[str], from_output: bool
) -> None:
    request = report_request(argv, tmp_path / "report", tmp_path / "tree")
    assert request is not None
    assert request.argv == [part.format(folder=tmp_path / "report") for part in asked]
    assert request.path.parent == tmp_path / "report"
    assert request.stdout_to == (request.path if from_output else None)
    assert report_request(["npm", "test"], tmp_path / "report", tmp_path / "tree") is None


def test_an_honest_run_passes_with_its_counts(tmp_path: Path) -> None:
    exit_code, passed, failure, tests = _check(tmp_path, {"test_a.py": PASSING})
    assert exit_code == 0 and passed and failure is None and tests is not None and tests["passed"] == 1


def test_exiting_zero_after_the_failures_does_not_pass(tmp_path: Path) -> None:
    files = {"test_a.py": FAILING, "conftest.py": EXIT_ZERO_AT_EXIT}
    exit_code, passed, failure, tests = _check(tmp_path, files)
    assert exit_code == 0  # the exit code alone would have passed it
    assert not passed and failure is not None and "1 failed" in failure and tests is not None


def test_a_run_that_collects_no_test_does_not_pass(tmp_path: Path) -> None:
    exit_code, passed, failure, _ = _check(
        tmp_path, {"test_a.py": PASSING, "conftest.py": EXIT_ZERO_AT_EXIT}, "-k", "nothing"
    )
    assert exit_code == 0 and not passed and failure == "the run collected no test"


def test_a_run_that_writes_no_report_does_not_pass(tmp_path: Path) -> None:
    exit_code, passed, failure, tests = _check(
        tmp_path, {"test_a.py": PASSING, "conftest.py": "import os\nos._exit(0)\n"}
    )
    assert exit_code == 0 and not passed and failure == "the check wrote no test report" and tests is None
