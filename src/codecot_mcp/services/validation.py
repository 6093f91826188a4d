"""validate_change: a verdict from the real diff and from checks Codecot runs itself.

The agent's word counts for nothing here: the change is read from git, the
checks are the config's, and only a passing verdict marks a task done. The
verdict is stored with the commit and a digest of the change, so a later edit
makes it stale instead of leaving it quietly true.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from codecot_mcp.domain.models import (
    BudgetReport,
    ChangeBudget,
    CheckResult,
    FileChange,
    Justification,
    NextCall,
    RequirementCoverage,
    Spec,
    Task,
    TaskStatus,
    Validation,
    Verdict,
    next_call,
)
from codecot_mcp.domain.reasons import Reason, fix_for, reason
from codecot_mcp.domain.scope import IN_SCOPE, is_test_path, place_path
from codecot_mcp.errors import CodecotError, InvalidInputError, UnsafePathError
from codecot_mcp.intel.changed_symbols import REMOVED, BlobReader, read_work_file, symbol_finder
from codecot_mcp.intel.diff import Change, ChangedFile, collect_change
from codecot_mcp.intel.gitrepo import head_commit, is_ancestor, resolve_commit
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.languages import language_for_path
from codecot_mcp.intel.runner_hooks import runner_hooks
from codecot_mcp.intel.snapshot import digest_of_tree
from codecot_mcp.services.drift import file_hashes, watched_paths, workdir_of
from codecot_mcp.services.evidence import Judged, coverage_reasons, judge_checks, test_reasons
from codecot_mcp.services.evidence import coverage as requirement_coverage
from codecot_mcp.services.requests import ValidateChangeRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.tasks import load_task
from codecot_mcp.services.trust import control_plane
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import SPECS, TASKS, VALIDATIONS, now_iso
from codecot_mcp.store.config import Config

_MAX_TEST_FILE_BYTES = 1_000_000
_LEVEL_ORDER = {"fail": 0, "warn": 1, "note": 2}


class ValidationResult(BaseModel):
    validation: Validation
    path: str
    task_status: TaskStatus
    next_step: str = Field(description="What to do about the verdict.")
    next_call: NextCall | None = None


def validate_change(ws: Workspace, request: ValidateChangeRequest, run: Run) -> ValidationResult:
    task = load_task(ws, request.task_id)
    base, head = request.base, request.head
    config = ws.config
    workdir = workdir_of(ws.root, task)
    if task.worktree and workdir == ws.root:
        raise UnsafePathError(
            f"{task.id} names worktree '{task.worktree}', which is not a git worktree of this repository",
            hint="re-create it with scope_task(worktree=true), or remove 'worktree' from the task file",
        )
    if base and task.base_commit and not is_ancestor(workdir, base, task.base_commit):
        # A later base would hide the commits made before it from the judged change.
        raise InvalidInputError(
            f"base '{base}' is not {task.id}'s base commit or one of its ancestors",
            hint=f"leave base out to judge from the sealed base ({task.base_commit[:12]})",
        )
    rationale = (request.rationale or "").strip() or None
    index = ws.index(run) if workdir == ws.root and head is None else None
    found = assess(
        task,
        config,
        workdir,
        base,
        head,
        Judging(request.run_checks, rationale, control_plane(ws, task)),
        index,
        run,
    )
    change, files, budget, checks, coverage = (
        found.change,
        found.files,
        found.budget,
        found.ran.checks,
        found.coverage,
    )
    verdict, reasons, ran, digest = found.verdict, found.reasons, found.ran, change.digest

    watched = file_hashes(workdir, watched_paths(_spec_of(ws, task), [f.path for f in files]))

    def build(validation_id: str) -> Validation:
        return Validation(
            id=validation_id,
            task_id=task.id,
            created_at=now_iso(),
            base_commit=change.base,
            head_commit=resolve_commit(workdir, head) if head else head_commit(workdir),
            head_ref=head,
            working_tree=head is None,
            diff_digest=digest,
            verdict=verdict,
            reasons=reasons,
            scope_policy=config.scope_policy,
            files=files,
            budget=budget,
            checks=checks,
            coverage=coverage,
            tests=ran.tests,
            rationale=rationale,
            watched=watched,
        )

    validation = ws.store.create(VALIDATIONS, build, task=task.id, verdict=verdict)
    status: TaskStatus = "done" if verdict == "pass" else "in_progress"
    outside = [f.path for f in files if not f.in_scope]

    def record(current: Task) -> Task:
        justified = (
            [Justification(validation_id=validation.id, paths=outside, rationale=rationale)]
            if rationale and outside
            else []
        )
        return current.model_copy(
            update={
                "status": status,
                "last_validation": validation.id,
                "justifications": current.justifications + justified,
            }
        )

    ws.store.update(TASKS, task.id, record, "task.validated", validation=validation.id, verdict=verdict)
    return ValidationResult(
        validation=validation,
        path=ws.store.display_path(VALIDATIONS, validation.id),
        task_status=status,
        next_step=_next_step(task.id, verdict, reasons),
        # Only a pass has a next call: anything else needs a change first, and validating the
        # same tree again would only repeat this verdict.
        next_call=next_call("draft_pr", task_id=task.id) if verdict == "pass" else None,
    )


@dataclass
class Judging:
    """How a change is judged: whether checks run, the agent's rationale, and trust reasons found
    before (the control plane's, or the CI gate's)."""

    run_checks: bool = True
    rationale: str | None = None
    control: Sequence[Reason] = ()


@dataclass
class Assessment:
    """Everything a verdict rests on; validate_change stores it, the CI gate only reports it."""

    change: Change
    files: list[FileChange]
    budget: BudgetReport
    ran: Judged
    coverage: list[RequirementCoverage]
    verdict: Verdict
    reasons: list[Reason]


def assess(
    task: Task,
    config: Config,
    workdir: Path,
    base: str | None,
    head: str | None,
    judging: Judging,
    index: CodeIndex | None = None,
    run: Run | None = None,
) -> Assessment:
    """Judge the change of `task` in `workdir` (from `base`, default the task's, to `head`, default
    the working tree) against `config`; pure of the store, so the CI gate can pass the base's
    task and config. `index` describes `workdir`'s working tree, when that is what is judged."""
    run = run or Run()
    judged = digest_of_tree(workdir, head) if judging.run_checks else ""  # before the diff is read
    change = collect_change(workdir, base or task.base_commit, head)
    reader = BlobReader(workdir)
    try:
        symbols_of = symbol_finder(change, workdir, index, reader)
        files = [_file_report(f, task, symbols_of(f)) for f in change.files]
        hooks = _runner_hooks(change, workdir, reader)
    finally:
        reader.close()
    budget = budget_report(change, task.budget)
    ran = (
        judge_checks(task, config, workdir, head, judged, change, run)
        if judging.run_checks
        else Judged([], [])
    )
    coverage = requirement_coverage(task, workdir, ran)
    files = _with_justifications(files, task.justifications, judging.rationale)
    verdict, reasons = judge(
        files,
        budget,
        ran.checks,
        coverage,
        config.scope_policy,
        judging.run_checks,
        [*judging.control, *ran.reasons, *test_reasons(ran, task.approved_tests), *hooks],
    )
    return Assessment(change, files, budget, ran, coverage, verdict, reasons)


def budget_report(change: Change, budget: ChangeBudget) -> BudgetReport:
    """Size the change against `budget`, its test files apart (see BudgetReport)."""
    tests = [f for f in change.files if is_test_path(f.path)]
    code = [f for f in change.files if not is_test_path(f.path)]
    lines = sum(f.added + f.deleted for f in code)
    return BudgetReport(
        files_changed=len(code),
        lines_changed=lines,
        max_files=budget.max_files,
        max_lines=budget.max_lines,
        within=len(code) <= budget.max_files and lines <= budget.max_lines,
        test_files_changed=len(tests),
        test_lines_changed=sum(f.added + f.deleted for f in tests),
    )


def _runner_hooks(change: Change, workdir: Path, reader: BlobReader) -> list[Reason]:
    """Added lines of non-test code that reach into the test runner or the process exit, and
    files the interpreter runs at its start (a `sitecustomize.py` on the path of a src-layout
    package runs before any test does, in every run, the base's tests' run included)."""
    found = [f"{f.path}: runs at interpreter start" for f in change.files if _startup_file(f)]
    for f in change.files:
        language = language_for_path(f.path)
        if f.status == "deleted" or not f.hunks or is_test_path(f.path) or language is None:
            continue
        data = reader.read(change.head, f.raw_path) if change.head else read_work_file(workdir, f.raw_path)
        if data is not None:
            text = data.decode("utf-8", "replace")
            found += [f"{f.path} {hit}" for hit in runner_hooks(text, f.hunks, language)]
    return [reason("reaches-runner", "warn", found)] if found else []


_STARTUP_NAMES = frozenset({"sitecustomize.py", "usercustomize.py"})


def _startup_file(f: ChangedFile) -> bool:
    name = f.path.rsplit("/", 1)[-1]
    return f.status != "deleted" and (name in _STARTUP_NAMES or name.endswith(".pth"))


def _spec_of(ws: Workspace, task: Task) -> Spec | None:
    try:
        return ws.store.load(SPECS, task.spec_id)
    except CodecotError:  # deleted or unreadable: workflow_status reports it; watch the changed files only
        return None


def _with_justifications(
    files: list[FileChange], earlier: list[Justification], rationale: str | None
) -> list[FileChange]:
    """Mark out-of-scope files justified now (`rationale`) or by an earlier justification naming them.

    Only a justification a person approved accepts a file; the agent's own word, now or
    earlier, leaves it waiting for that approval.
    """
    given = {path: item for item in earlier for path in item.paths}
    marked: list[FileChange] = []
    for f in files:
        item = given.get(f.path)
        if f.in_scope or not (item or rationale):
            marked.append(f)
        elif item is not None and item.approved:
            marked.append(f.model_copy(update={"accepted": item.rationale, "approved": True}))
        else:
            marked.append(f.model_copy(update={"accepted": rationale or (item.rationale if item else None)}))
    return marked


def judge(
    files: list[FileChange],
    budget: BudgetReport,
    checks: list[CheckResult],
    coverage: list[RequirementCoverage],
    policy: str,
    ran_checks: bool,
    control: Sequence[Reason] = (),
) -> tuple[Verdict, list[Reason]]:
    """The verdict and every reason for it; pure, so the rules are easy to read and test.

    Any `fail` reason fails the verdict, any `warn` warns it; notes only inform.
    Reasons come failures first, then warnings, then notes.
    """
    found = [
        *control,
        *([reason("no-change", "fail")] if not files else []),
        *_scope_reasons(files, policy),
        *_budget_reasons(budget, policy),
        *_check_reasons(checks, ran_checks),
        *coverage_reasons(coverage),
    ]
    found.sort(key=lambda r: _LEVEL_ORDER[r.level])
    levels = {r.level for r in found}
    if "fail" in levels:
        return "fail", found
    if "warn" in levels:
        return "warn", found
    justified = any(not f.in_scope and f.approved for f in files)
    clear = reason("all-clear", "note", detail="in scope or accepted" if justified else "in scope")
    return "pass", [clear, *found]


def _scope_reasons(files: list[FileChange], policy: str) -> list[Reason]:
    """Out-of-scope files: one a person accepted is named with its justification (a note,
    never hidden); one only the agent justified waits for that approval (a warning); an
    unjustified one warns under policy 'warn' and fails under 'fail'.
    """
    found: list[Reason] = []
    outside = [f.path for f in files if not f.in_scope and not f.accepted]
    approved = [f for f in files if not f.in_scope and f.accepted and f.approved]
    waiting = [f for f in files if not f.in_scope and f.accepted and not f.approved]
    if approved:
        found.append(
            reason("out-of-scope-accepted", "note", [f.path for f in approved], approved[0].accepted or "")
        )
    if waiting:
        found.append(
            reason("out-of-scope-justified", "warn", [f.path for f in waiting], waiting[0].accepted or "")
        )
    if outside:
        found.append(reason("out-of-scope", "fail" if policy == "fail" else "warn", outside))
    nearby = [f.path for f in files if f.in_scope and f.nearby]
    if nearby:
        found.append(reason("edited-nearby", "note", nearby))
    off_target = [f"{f.path}: {', '.join(f.off_target[:4])}" for f in files if f.off_target]
    if off_target:
        off_paths = [f.path for f in files if f.off_target]
        found.append(reason("off-target", "note", off_paths, "; ".join(off_target[:5])))
    return found


def _budget_reasons(budget: BudgetReport, policy: str) -> list[Reason]:
    if budget.within:
        return []
    return [reason("over-budget", "fail" if policy == "fail" else "warn", detail=budget.summary())]


def _check_reasons(checks: list[CheckResult], ran_checks: bool) -> list[Reason]:
    found = [
        reason("check-timed-out", "fail", [c.name])
        if c.timed_out
        else reason("check-failed", "fail", [c.name], c.failure or f"exit code {c.exit_code}")
        for c in checks
        if not c.passed
    ]
    if not ran_checks:
        found.append(reason("checks-skipped", "warn"))
    elif not checks:
        found.append(reason("no-checks", "warn"))
    return found


def _next_step(task_id: str, verdict: Verdict, reasons: list[Reason]) -> str:
    """What to do next: draft the PR, or the fix of each reason that holds the verdict back."""
    if verdict == "pass":
        return f"Task {task_id} is done. Call draft_pr(task_id='{task_id}')."
    fixes = list(dict.fromkeys(fix for r in reasons if (fix := fix_for(r, task_id))))
    todo = "; ".join(fixes[:3]) or "address the reasons"
    return (
        f"{todo[0].upper()}{todo[1:]}. Then call validate_change(task_id='{task_id}') again; "
        "the task is done only on 'pass'."
    )


def _file_report(changed: ChangedFile, task: Task, symbols: list[str]) -> FileChange:
    nearby = set(task.nearby_paths)
    placement, reason = place_path(
        changed.path,
        task.allowed_paths,
        task.forbidden_paths,
        task.new_file_folders,
        nearby,
        new=changed.status in ("added", "untracked"),
    )
    if placement in IN_SCOPE and changed.old_path:
        old_place, old_reason = place_path(
            changed.old_path, task.allowed_paths, task.forbidden_paths, task.new_file_folders, nearby
        )
        if old_place not in IN_SCOPE:
            placement, reason = "outside", f"renamed from {changed.old_path}, which is {old_reason}"
        elif old_place == "nearby":
            placement = "nearby"
    in_scope = placement in IN_SCOPE
    return FileChange(
        path=changed.path,
        status=changed.status,
        old_path=changed.old_path,
        added=changed.added,
        deleted=changed.deleted,
        binary=changed.binary,
        in_scope=in_scope,
        nearby=placement == "nearby",
        reason=reason,
        symbols=symbols,
        off_target=_off_target(symbols, {s.name for s in task.target_symbols if s.path == changed.path}),
    )


def _off_target(symbols: list[str], targets: set[str]) -> list[str]:
    """Symbols outside `targets`; a target `R` covers `R.method`, and a method may be named bare."""
    if not targets:
        return []
    off: list[str] = []
    for label in symbols:
        name = label.removesuffix(REMOVED)
        parts = name.split(".")
        if not (
            {name, parts[-1]} & targets or any(".".join(parts[:i]) in targets for i in range(1, len(parts)))
        ):
            off.append(label)
    return off
