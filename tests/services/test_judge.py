"""The verdict rules, table-driven: every reason that moves a verdict."""

import pytest

from codecot_mcp.domain.models import BudgetReport, CheckResult, FileChange, RequirementCoverage, Validation
from codecot_mcp.domain.reasons import MESSAGES, fix_for
from codecot_mcp.services.validation import _off_target, judge

IN = FileChange(path="src/a.py", status="modified", added=3, deleted=1)
OUT = FileChange(path="setup.py", status="modified", added=1, in_scope=False, reason="outside")
JUSTIFIED = OUT.model_copy(update={"accepted": "needed for packaging"})  # the agent's word only
APPROVED = JUSTIFIED.model_copy(update={"approved": True})  # a person accepted it
WITHIN = BudgetReport(files_changed=1, lines_changed=4, max_files=2, max_lines=10, within=True)
OVER = BudgetReport(files_changed=3, lines_changed=40, max_files=2, max_lines=10, within=False)
PASSED = CheckResult(name="tests", argv=["pytest"], exit_code=0, passed=True, duration_s=1)
FAILED = CheckResult(name="tests", argv=["pytest"], exit_code=1, passed=False, duration_s=1)
COVERED = RequirementCoverage(
    requirement_id="REQ-1.1",
    covered=True,
    strength="fail-to-pass",
    evidence=["t.py::test_x fails on the base code and passes with the change"],
)
NAMED = RequirementCoverage(
    requirement_id="REQ-1.1", covered=False, strength="named", evidence=["t.py:1 names REQ-1.1"]
)
UNCOVERED = RequirementCoverage(requirement_id="REQ-1.1", covered=False)


@pytest.mark.parametrize(
    ("files", "budget", "checks", "coverage", "policy", "verdict", "expected"),
    [
        ([IN], WITHIN, [PASSED], [COVERED], "warn", "pass", ("all-clear", "note", [])),
        ([], WITHIN, [PASSED], [COVERED], "warn", "fail", ("no-change", "fail", [])),
        ([IN], WITHIN, [FAILED], [COVERED], "warn", "fail", ("check-failed", "fail", ["tests"])),
        ([IN, OUT], WITHIN, [PASSED], [COVERED], "warn", "warn", ("out-of-scope", "warn", ["setup.py"])),
        ([IN, OUT], WITHIN, [PASSED], [COVERED], "fail", "fail", ("out-of-scope", "fail", ["setup.py"])),
        (
            [IN, JUSTIFIED],
            WITHIN,
            [PASSED],
            [COVERED],
            "warn",
            "warn",
            ("out-of-scope-justified", "warn", ["setup.py"]),
        ),
        (
            [IN, APPROVED],
            WITHIN,
            [PASSED],
            [COVERED],
            "warn",
            "pass",
            ("out-of-scope-accepted", "note", ["setup.py"]),
        ),
        (
            [IN, APPROVED],
            WITHIN,
            [PASSED],
            [COVERED],
            "fail",
            "pass",
            ("out-of-scope-accepted", "note", ["setup.py"]),
        ),
        (
            [IN, JUSTIFIED],
            WITHIN,
            [PASSED],
            [COVERED],
            "fail",
            "warn",
            ("out-of-scope-justified", "warn", ["setup.py"]),
        ),
        (
            [IN, APPROVED],
            WITHIN,
            [FAILED],
            [COVERED],
            "warn",
            "fail",
            ("out-of-scope-accepted", "note", ["setup.py"]),
        ),
        ([IN], OVER, [PASSED], [COVERED], "warn", "warn", ("over-budget", "warn", [])),
        ([IN], OVER, [PASSED], [COVERED], "fail", "fail", ("over-budget", "fail", [])),
        ([IN], WITHIN, [PASSED], [UNCOVERED], "warn", "warn", ("no-evidence", "warn", ["REQ-1.1"])),
        ([IN], WITHIN, [], [COVERED], "warn", "warn", ("no-checks", "warn", [])),
    ],
)
def test_the_verdict_follows_the_evidence(
    files: list[FileChange],
    budget: BudgetReport,
    checks: list[CheckResult],
    coverage: list[RequirementCoverage],
    policy: str,
    verdict: str,
    expected: tuple[str, str, list[str]],
) -> None:
    got, reasons = judge(files, budget, checks, coverage, policy, ran_checks=True)
    assert got == verdict
    assert expected in [(r.code, r.level, r.subjects) for r in reasons], reasons


def test_reasons_come_failures_first_then_warnings_then_notes() -> None:
    _, reasons = judge([IN, JUSTIFIED, OUT], OVER, [FAILED], [UNCOVERED], "warn", ran_checks=True)
    levels = [r.level for r in reasons]
    assert levels == sorted(levels, key=["fail", "warn", "note"].index) and levels[0] == "fail"


def test_a_test_that_only_names_the_requirement_holds_the_verdict_at_warn() -> None:
    verdict, reasons = judge([IN], WITHIN, [PASSED], [NAMED], "warn", ran_checks=True)
    assert verdict == "warn" and [r.code for r in reasons] == ["weak-evidence"]
    assert judge([IN], WITHIN, [PASSED], [COVERED], "warn", ran_checks=True)[0] == "pass"


def test_each_reason_reads_as_its_catalogue_sentence() -> None:
    _, reasons = judge([IN, OUT], OVER, [FAILED], [UNCOVERED], "warn", ran_checks=True)
    messages = {r.code: r.message for r in reasons}
    assert messages["check-failed"] == "check 'tests' failed (exit code 1)"
    assert messages["out-of-scope"] == "out-of-scope edits: setup.py"
    assert messages["over-budget"] == "over budget: 3/2 files, 40/10 lines"
    assert messages["no-evidence"] == (
        "REQ-1.1: no evidence (no test fails on the base code and passes with the change)"
    )


def test_the_verdict_never_depends_on_how_a_reason_is_worded(monkeypatch: pytest.MonkeyPatch) -> None:
    reworded = {code: f"reworded {code}" for code in MESSAGES}
    monkeypatch.setattr("codecot_mcp.domain.reasons.MESSAGES", reworded)
    for policy, verdict in (("warn", "warn"), ("fail", "fail")):
        got, reasons = judge([IN, OUT], WITHIN, [PASSED], [COVERED], policy, ran_checks=True)
        assert got == verdict and reasons[0].message == "reworded out-of-scope"


def test_a_reason_stored_as_a_sentence_by_an_older_codecot_still_loads() -> None:
    old = Validation.model_validate(
        {
            "id": "VAL-1",
            "task_id": "TASK-1",
            "created_at": "2026-01-01T00:00:00Z",
            "base_commit": None,
            "head_commit": None,
            "diff_digest": "x",
            "verdict": "warn",
            "reasons": ["out-of-scope edits: setup.py"],
            "budget": WITHIN.model_dump(),
        }
    )
    assert old.reasons[0].message == "out-of-scope edits: setup.py" and old.reasons[0].level == "note"


def test_skipped_checks_can_never_pass() -> None:
    verdict, reasons = judge([IN], WITHIN, [], [COVERED], "warn", ran_checks=False)
    assert verdict == "warn" and [r.code for r in reasons] == ["checks-skipped"]


def test_changes_beyond_the_target_symbols_are_noted_without_changing_the_verdict() -> None:
    wide = IN.model_copy(update={"symbols": ["render", "helper"], "off_target": ["helper"]})
    verdict, reasons = judge([wide], WITHIN, [PASSED], [COVERED], "warn", ran_checks=True)
    assert verdict == "pass"
    off = next(r for r in reasons if r.code == "off-target")
    assert (
        off.subjects == ["src/a.py"]
        and off.message == "changed beyond the task's target symbols: src/a.py: helper"
    )


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


@pytest.mark.parametrize(
    ("files", "budget", "checks", "coverage", "fix"),
    [
        ([IN], WITHIN, [FAILED], [COVERED], "make check 'tests' pass"),
        ([IN, OUT], WITHIN, [PASSED], [COVERED], "move the edits of setup.py back inside"),
        ([IN], WITHIN, [PASSED], [UNCOVERED], "add a test for REQ-1.1 that fails without the change"),
        ([IN], WITHIN, [PASSED], [NAMED], "make the test for REQ-1.1 one that fails without the change"),
        ([IN], OVER, [PASSED], [COVERED], "split the change into smaller tasks"),
    ],
)
def test_every_reason_that_holds_a_verdict_back_says_what_to_do(
    files: list[FileChange],
    budget: BudgetReport,
    checks: list[CheckResult],
    coverage: list[RequirementCoverage],
    fix: str,
) -> None:
    verdict, reasons = judge(files, budget, checks, coverage, "warn", ran_checks=True)
    assert verdict != "pass"
    fixes = [fix_for(r) for r in reasons if r.level != "note"]
    assert all(fixes) and any(fix in (f or "") for f in fixes), fixes
    assert all(fix_for(r) is None for r in reasons if r.level == "note")
