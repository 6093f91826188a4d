"""The verdict rules, table-driven: every reason that moves a verdict."""

import pytest

from codecot_mcp.domain.models import BudgetReport, CheckResult, FileChange, RequirementCoverage
from codecot_mcp.services.validation import _off_target, judge

IN = FileChange(path="src/a.py", status="modified", added=3, deleted=1)
OUT = FileChange(path="setup.py", status="modified", added=1, in_scope=False, reason="outside")
JUSTIFIED = OUT.model_copy(update={"accepted": "needed for packaging"})
WITHIN = BudgetReport(files_changed=1, lines_changed=4, max_files=2, max_lines=10, within=True)
OVER = BudgetReport(files_changed=3, lines_changed=40, max_files=2, max_lines=10, within=False)
PASSED = CheckResult(name="tests", argv=["pytest"], exit_code=0, passed=True, duration_s=1)
FAILED = CheckResult(name="tests", argv=["pytest"], exit_code=1, passed=False, duration_s=1)
COVERED = RequirementCoverage(requirement_id="REQ-1.1", covered=True, evidence=["t.py:1 names REQ-1.1"])
UNCOVERED = RequirementCoverage(requirement_id="REQ-1.1", covered=False)


@pytest.mark.parametrize(
    ("files", "budget", "checks", "coverage", "policy", "verdict", "words"),
    [
        ([IN], WITHIN, [PASSED], [COVERED], "warn", "pass", "all checks passed"),
        ([], WITHIN, [PASSED], [COVERED], "warn", "fail", "no change found"),
        ([IN], WITHIN, [FAILED], [COVERED], "warn", "fail", "check 'tests' failed"),
        ([IN, OUT], WITHIN, [PASSED], [COVERED], "warn", "warn", "out-of-scope edits: setup.py"),
        ([IN, OUT], WITHIN, [PASSED], [COVERED], "fail", "fail", "scope policy 'fail'"),
        (
            [IN, JUSTIFIED],
            WITHIN,
            [PASSED],
            [COVERED],
            "warn",
            "pass",
            "accepted: setup.py (justification: needed",
        ),
        ([IN, JUSTIFIED], WITHIN, [PASSED], [COVERED], "fail", "warn", "not accepted under policy 'fail'"),
        ([IN, JUSTIFIED], WITHIN, [FAILED], [COVERED], "warn", "fail", "accepted: setup.py"),
        ([IN], OVER, [PASSED], [COVERED], "warn", "warn", "over budget"),
        ([IN], OVER, [PASSED], [COVERED], "fail", "fail", "over budget"),
        ([IN], WITHIN, [PASSED], [UNCOVERED], "warn", "warn", "REQ-1.1: no evidence"),
        ([IN], WITHIN, [], [COVERED], "warn", "warn", "no checks configured"),
    ],
)
def test_the_verdict_follows_the_evidence(
    files: list[FileChange],
    budget: BudgetReport,
    checks: list[CheckResult],
    coverage: list[RequirementCoverage],
    policy: str,
    verdict: str,
    words: str,
) -> None:
    got, reasons = judge(files, budget, checks, coverage, policy, ran_checks=True)
    assert got == verdict
    assert any(words in reason for reason in reasons), reasons


def test_skipped_checks_can_never_pass() -> None:
    verdict, reasons = judge([IN], WITHIN, [], [COVERED], "warn", ran_checks=False)
    assert verdict == "warn" and "checks were skipped" in reasons


def test_changes_beyond_the_target_symbols_are_noted_without_changing_the_verdict() -> None:
    wide = IN.model_copy(update={"symbols": ["render", "helper"], "off_target": ["helper"]})
    verdict, reasons = judge([wide], WITHIN, [PASSED], [COVERED], "warn", ran_checks=True)
    assert verdict == "pass"
    assert "changed beyond the task's target symbols: src/a.py: helper" in reasons


@pytest.mark.parametrize(
    ("symbols", "targets", "off"),
    [
        (["render", "helper"], {"render"}, ["helper"]),
        (["Report.render", "Report.save (removed)"], {"Report"}, []),
        (["Report.render"], {"render"}, []),
        (["Report.render", "load"], {"Report.render"}, ["load"]),
        (["gone (removed)"], {"render"}, ["gone (removed)"]),
        (["anything"], set(), []),
    ],
)
def test_what_counts_as_off_target(symbols: list[str], targets: set[str], off: list[str]) -> None:
    assert _off_target(symbols, targets) == off
