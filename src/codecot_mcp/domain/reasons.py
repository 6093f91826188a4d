"""Why a verdict is what it is: typed records, each with a code from one catalogue.

Rules decide on a record's `code` and fields; its `message` is rendered from the
catalogue when the record is made, for people and models to read, and nothing
reads a message back. Rewording a sentence here changes no behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field, model_validator

ReasonLevel = Literal["fail", "warn", "note"]
ReasonCode = Literal[
    "no-change",
    "out-of-scope",
    "out-of-scope-justified",
    "out-of-scope-accepted",
    "edited-nearby",
    "off-target",
    "over-budget",
    "check-failed",
    "check-timed-out",
    "checks-skipped",
    "no-checks",
    "no-evidence",
    "left-behind",
    "all-clear",
    "recorded",
    "config-changed",
    "task-edited",
    "log-altered",
    "log-unchained",
    "tree-changed",
    "awaiting-approval",
    "weak-evidence",
    "fail-to-pass",
    "failing-at-base",
    "tests-removed",
    "tests-skipped",
    "base-tests-fail",
    "expectation-changed",
    "tests-approved",
    "reaches-runner",
    "pr-changes-config",
    "pr-changes-scope",
    "task-proposed",
    "no-task",
]

# code -> the sentence, formatted with `listed` (the subjects, at most five) and `detail`.
MESSAGES: dict[ReasonCode, str] = {
    "no-change": "no change found between the base commit and the working tree",
    "out-of-scope": "out-of-scope edits: {listed}",
    "out-of-scope-justified": "out-of-scope edits justified, awaiting a person's approval: "
    "{listed} ({detail})",
    "out-of-scope-accepted": "out-of-scope edits accepted: {listed} (justification: {detail})",
    "edited-nearby": "edited beside the task's allowed files (imports of its sources, their importers, "
    "its test tree): {listed}",
    "off-target": "changed beyond the task's target symbols: {detail}",
    "over-budget": "over budget: {detail}",
    "check-failed": "check '{listed}' failed ({detail})",
    "check-timed-out": "check '{listed}' timed out",
    "checks-skipped": "checks were skipped",
    "no-checks": "no checks configured: add one to .codecot/config.toml",
    "no-evidence": "{listed}: no evidence (no test fails on the base code and passes with the change)",
    "weak-evidence": "{listed}: a test names it, but none is shown to fail on the base code and pass with "
    "the change",
    "fail-to-pass": "fail on the base code and pass with the change: {listed}",
    "pr-changes-config": "the pull request changes .codecot/config.toml: it is judged by the base's config",
    "pr-changes-scope": "the pull request changes the scope of {listed} (paths, targets, budget, checks or "
    "base): it is judged by the base's task",
    "task-proposed": "{listed} first appears in this pull request: a task is a proposal until a person "
    "merges it",
    "no-task": "the pull request changes code and names no task: {listed}",
    "reaches-runner": "code outside the tests reaches into the test runner or the process exit: {listed}",
    "failing-at-base": "failing on the base code too, not counted against the change: {listed}",
    "tests-removed": "tests of the base the change removed or renamed: {listed}",
    "tests-skipped": "tests of the base the change skips or marks xfail: {listed}",
    "base-tests-fail": "the base's versions of tests the change edited fail on the change: {listed}",
    "expectation-changed": "tests whose expected behaviour the change rewrote, awaiting a person's review "
    "(the base's versions fail on the change, the new ones are fail-to-pass): {listed}",
    "tests-approved": "base tests a person allowed the change to remove, skip or rewrite: {listed}",
    "left-behind": "the checks left files in the working tree: {listed} (add them to .gitignore)",
    "all-clear": "{detail}, within budget, all checks passed, every requirement has evidence",
    "recorded": "{detail}",
    "config-changed": ".codecot/config.toml changed since the task was scoped; its checks and policy "
    "are not the ones sealed for it",
    "task-edited": "{listed} differs from what Codecot wrote: the task's scope is not the sealed one",
    "log-altered": ".codecot/events.jsonl was altered at line {detail}: the records cannot be trusted",
    "log-unchained": ".codecot/events.jsonl is not hash-chained (an older Codecot, or rewritten)",
    "tree-changed": "the working tree changed while the checks ran: what was checked is not what is judged",
    "awaiting-approval": "the task's scope was widened when it was scoped, awaiting a person's approval: "
    "{detail}",
}
# code -> what to do about it, formatted like MESSAGES; only codes that can hold a verdict back.
FIXES: dict[ReasonCode, str] = {
    "no-change": "make the change in the working tree (or pass head= for a commit)",
    "out-of-scope": "move the edits of {listed} back inside the task's allowed paths, or explain them with "
    "`rationale`",
    "out-of-scope-justified": "ask a person to accept them with `codecot-mcp approve TASK`, or move the "
    "edits of {listed} back inside the allowed paths",
    "over-budget": "split the change into smaller tasks, or ask a person to raise the budget with "
    "`codecot-mcp approve TASK` ({detail})",
    "check-failed": "make check '{listed}' pass; its output is in the validation",
    "check-timed-out": "make check '{listed}' finish within its timeout",
    "checks-skipped": "run the checks (leave run_checks on)",
    "no-checks": "ask a person to add a check to .codecot/config.toml",
    "no-evidence": "add a test for {listed} that fails without the change and passes with it",
    "weak-evidence": "make the test for {listed} one that fails without the change and passes with it",
    "tests-removed": "restore the tests ({listed}), or ask a person to review the removal and run "
    "`codecot-mcp approve TASK`",
    "tests-skipped": "remove the skip or xfail from {listed}, or ask a person to allow it with "
    "`codecot-mcp approve TASK`",
    "pr-changes-config": "change the config in a pull request of its own that a person reviews",
    "pr-changes-scope": "restore the task's scope; a wider scope takes a person's approval merged first",
    "task-proposed": "merge the task (scope_task's files under .codecot/) to the base branch first",
    "no-task": "name the task in the branch (codecot/task-12) or pass --task",
    "reaches-runner": "remove the test-runner or exit code from {listed}, or ask a person to review it",
    "expectation-changed": "ask a person to review the rewritten tests ({listed}) and accept them with "
    "`codecot-mcp approve TASK`, or keep the base's expectations",
    "base-tests-fail": "fix the code so the base's tests pass ({listed}), or restore the tests you weakened; "
    "a test whose expected behaviour really changes needs a person: `codecot-mcp approve TASK`",
    "config-changed": "restore .codecot/config.toml, or have a person run `codecot-mcp approve TASK` "
    "to seal the new one",
    "task-edited": "restore the task file (git checkout), or scope a new task with scope_task",
    "log-altered": "restore .codecot/events.jsonl from git; a person must review what changed",
    "log-unchained": "scope the task again with this Codecot, so its records are chained",
    "tree-changed": "make sure no check writes outside its own folder, then validate again",
    "awaiting-approval": "ask a person to run `codecot-mcp approve TASK`, or scope the task without "
    "widening it",
}
_LISTED = 5


class Reason(BaseModel):
    """One reason for a verdict; `code` is what code may test, `message` is for reading."""

    code: ReasonCode
    level: ReasonLevel = Field(description="fail and warn decide the verdict; note only informs.")
    subjects: list[str] = Field(default=[], description="The files, checks or requirement IDs it names.")
    detail: str = ""
    message: str = Field(default="", description="The reason as a sentence (data from the repo quoted).")

    @model_validator(mode="before")
    @classmethod
    def _from_sentence(cls, value: object) -> object:
        """A validation stored by an older Codecot kept its reasons as sentences only."""
        if isinstance(value, str):
            return {"code": "recorded", "level": "note", "detail": value, "message": value}
        return value


def listed(subjects: Sequence[str]) -> str:
    return ", ".join(subjects[:_LISTED]) + (" ..." if len(subjects) > _LISTED else "")


def reason(code: ReasonCode, level: ReasonLevel, subjects: Sequence[str] = (), detail: str = "") -> Reason:
    """A reason with its sentence rendered from the catalogue."""
    message = MESSAGES[code].format(listed=listed(subjects), detail=detail)
    return Reason(code=code, level=level, subjects=list(subjects), detail=detail, message=message)


def fix_for(item: Reason, task_id: str = "TASK") -> str | None:
    """What to do about a reason that holds a verdict back, or None for a note; the command a
    person runs names the task, so the agent can pass it on as it is."""
    template = FIXES.get(item.code)
    if template is None:
        return None
    fix = template.format(listed=listed(item.subjects), detail=item.detail)
    return fix.replace("codecot-mcp approve TASK`", f"codecot-mcp approve {task_id}`")
