"""A check that runs pytest is judged by its report: attacks on the exit code, and controls."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codecot_mcp.services.checks import run_check
from codecot_mcp.services.reports import judged_by_report, report_kind, with_report

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
    raw = run_check("tests", with_report(argv, report), tree, timeout=60, max_output=65536)
    judged, _ = judged_by_report(raw, report)
    return raw.exit_code, judged.passed, judged.failure, judged.tests


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["python3", "-m", "pytest", "-q"], "pytest"),
        (["/venv/bin/pytest", "tests"], "pytest"),
        (["py.test"], "pytest"),
        (["python3", "-m", "unittest"], None),
        (["npm", "test"], None),
        ([], None),
    ],
)
def test_a_check_is_known_to_run_pytest_by_its_command(argv: list[str], kind: str | None) -> None:
    assert report_kind(argv) == kind


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
