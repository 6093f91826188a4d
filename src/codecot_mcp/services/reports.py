"""Tests as evidence: a check that runs pytest is judged by its report, not its exit code alone.

The change under judgement controls the test code, so an exit code of 0 proves
little: a hook can call `os._exit(0)` after the failures were printed, and a run
that collects nothing exits 0 on some setups. For a check that runs pytest, Codecot
asks for a JUnit XML report in a folder outside the tree the check runs in, reads it
with `intel/testreport.py`, and fails the check when the report is missing or cut
short, collected no test, or holds a failure or an error, whatever the exit code.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from codecot_mcp.domain.models import CheckResult
from codecot_mcp.errors import CodecotError
from codecot_mcp.intel.testreport import MAX_REPORT_BYTES, TestReport, parse_report

REPORT_NAME = "report.xml"
_PYTEST_PROGRAMS = frozenset({"pytest", "py.test"})


def report_kind(argv: list[str]) -> str | None:
    """'pytest' for a check that runs pytest (`python -m pytest ...` or `pytest ...`), else None."""
    if not argv:
        return None
    if os.path.basename(argv[0]) in _PYTEST_PROGRAMS:
        return "pytest"
    return "pytest" if ("-m", "pytest") in itertools.pairwise(argv) else None


def with_report(argv: list[str], folder: Path) -> list[str]:
    """The check's command asking pytest for its report in `folder` (outside the checked tree)."""
    return [*argv, f"--junitxml={folder / REPORT_NAME}"]


def judged_by_report(result: CheckResult, folder: Path) -> tuple[CheckResult, TestReport | None]:
    """The check's result with its test counts, failed when the report does not show a clean run,
    and the report itself when it could be read."""
    if result.timed_out:
        return result, None
    failure, report = _read(folder / REPORT_NAME)
    counts = {str(outcome): count for outcome, count in report.counts.items()} if report else None
    if failure is None and counts is not None:
        if sum(counts.values()) == 0:
            failure = "the run collected no test"
        elif counts.get("failed", 0) + counts.get("error", 0):
            failure = (
                f"{counts.get('failed', 0)} failed and {counts.get('error', 0)} errors in the test report"
            )
    if failure is None:
        return result.model_copy(update={"tests": counts}), report
    return failed(result.model_copy(update={"tests": counts}), failure), report


def failed(result: CheckResult, failure: str) -> CheckResult:
    """`result` failed for `failure`, which is also appended to its output."""
    note = f"\n[codecot] {failure} (exit code {result.exit_code})"
    return result.model_copy(
        update={"passed": False, "failure": failure, "output_tail": result.output_tail + note}
    )


def _read(path: Path) -> tuple[str | None, TestReport | None]:
    try:
        data = path.read_bytes()[: MAX_REPORT_BYTES + 1]
    except OSError:
        return "the check wrote no test report", None
    try:
        report = parse_report("pytest", data)
    except CodecotError as exc:
        return f"the test report could not be read ({exc.message})", None
    return (None if report.complete else "the test report is cut short"), report
