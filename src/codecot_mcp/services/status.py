"""workflow_status: where every artifact stands and the one next action."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from codecot_mcp.domain.lint import lint_spec
from codecot_mcp.domain.models import Finding, Intent, NextCall, Spec, Task, Validation, next_call
from codecot_mcp.errors import CodecotError
from codecot_mcp.services.drift import drifted, workdir_of
from codecot_mcp.services.hooks import active_task
from codecot_mcp.services.requests import WorkflowStatusRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.staleness import is_stale
from codecot_mcp.services.trust import untrusted_records
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, SPECS, TASKS, VALIDATIONS


class ArtifactState(BaseModel):
    id: str
    kind: Literal["intent", "spec", "task"]
    title: str
    state: str = Field(
        description="intent: captured|specified; spec: draft|needs-work|scoped; "
        "task: open|in_progress|done|stale|untrusted (its records are not what Codecot wrote)"
    )
    detail: str = ""
    drift: list[str] = Field(
        default=[], description="Files it depends on that changed since its last validation."
    )


class WorkflowStatus(BaseModel):
    intents: list[ArtifactState]
    specs: list[ArtifactState]
    tasks: list[ArtifactState]
    problems: list[Finding] = Field(description="Artifacts or config that could not be read.")
    active_task: str | None = Field(
        default=None, description="The task the host hooks hold the agent to in this work tree."
    )
    next_action: str
    next_call: NextCall | None = None


def workflow_status(ws: Workspace, request: WorkflowStatusRequest, run: Run) -> WorkflowStatus:
    problems: list[Finding] = []
    intents, intent_errors = ws.store.load_all(INTENTS)
    specs, spec_errors = ws.store.load_all(SPECS)
    tasks, task_errors = ws.store.load_all(TASKS)
    for error in (*intent_errors, *spec_errors, *task_errors):
        problems.append(
            Finding(
                level="error",
                code="unreadable-artifact",
                path=error.path,
                line=error.line,
                message=error.message,
                fix=error.hint or "fix the file by hand or restore it with git",
            )
        )
    try:
        _ = ws.config
    except CodecotError as exc:
        problems.append(
            Finding(
                level="error",
                code="invalid-config",
                path=".codecot/config.toml",
                message=str(exc),
                fix="fix the file, or delete it to get the defaults back",
            )
        )
    intent_by_id = {i.id: i for i in intents}
    task_states = [_task_state(ws, t) for t in tasks]
    drift_by_task = {state.id: state.drift for state in task_states}
    spec_states = [_spec_state(s, intent_by_id.get(s.intent_id), tasks, drift_by_task) for s in specs]
    intent_states = [_intent_state(i, specs) for i in intents]
    next_text, call = _next_action(problems, intent_states, spec_states, task_states, tasks)
    return WorkflowStatus(
        intents=intent_states,
        specs=spec_states,
        tasks=task_states,
        problems=problems,
        active_task=active.task_id if (active := active_task(ws.root)) else None,
        next_action=next_text,
        next_call=call,
    )


def _intent_state(intent: Intent, specs: list[Spec]) -> ArtifactState:
    spec_ids = [s.id for s in specs if s.intent_id == intent.id]
    detail = f"specs: {', '.join(spec_ids)}" if spec_ids else f"{len(intent.open_questions)} open question(s)"
    return ArtifactState(
        id=intent.id,
        kind="intent",
        title=intent.title,
        state="specified" if spec_ids else "captured",
        detail=detail,
    )


def _spec_state(
    spec: Spec, intent: Intent | None, tasks: list[Task], drift_by_task: dict[str, list[str]]
) -> ArtifactState:
    task_ids = [t.id for t in tasks if t.spec_id == spec.id]
    affected = {a.path for a in spec.affected_code}
    drift = sorted({p for t in task_ids for p in drift_by_task.get(t, []) if p in affected})
    errors = sum(1 for f in lint_spec(spec, intent) if f.level == "error")
    if task_ids:
        state, detail = "scoped", f"tasks: {', '.join(task_ids)}"
    elif errors:
        state, detail = "needs-work", f"{errors} lint error(s)"
    else:
        state, detail = "draft", f"{len(spec.requirements)} requirement(s), revision {spec.revision}"
    if drift:
        detail += f"; affected code changed since validated: {', '.join(drift[:5])}"
    return ArtifactState(id=spec.id, kind="spec", title=spec.title, state=state, detail=detail, drift=drift)


def _task_state(ws: Workspace, task: Task) -> ArtifactState:
    state: str = task.status
    detail = f"requirements: {', '.join(task.requirement_ids)}"
    drift: list[str] = []
    validation: Validation | None = None
    if task.last_validation:
        try:
            validation = ws.store.load(VALIDATIONS, task.last_validation)
        except CodecotError:
            validation = None
        if validation is not None:
            detail += f"; last verdict {validation.verdict} ({validation.id})"
            workdir = workdir_of(ws.root, task)  # asks git for worktrees: once per task
            drift = drifted(workdir, validation)
            if is_stale(workdir, validation):
                state = "stale"
                detail += "; the change differs from what was validated"
            if drift:
                detail += f"; changed since validated: {', '.join(drift[:5])}"
    untrusted = untrusted_records(ws, task, validation)
    if untrusted:
        state = "untrusted"
        detail += f"; {untrusted[0]}"
    return ArtifactState(id=task.id, kind="task", title=task.title, state=state, detail=detail, drift=drift)


def _next_action(
    problems: list[Finding],
    intents: list[ArtifactState],
    specs: list[ArtifactState],
    task_states: list[ArtifactState],
    tasks: list[Task],
) -> tuple[str, NextCall | None]:
    """The one next action, as a sentence and, where it is a tool call, as that call."""
    if problems:
        return f"Fix {problems[0].path}: {problems[0].message}", None
    for intent in intents:
        if intent.state == "captured":
            text = f"Call draft_spec(intent_id='{intent.id}') to turn {intent.id} into a specification."
            return text, next_call("draft_spec", intent_id=intent.id)
    for spec in specs:
        if spec.state == "needs-work":
            text = (
                f"Revise {spec.id} ({spec.detail}) with draft_spec(spec_id='{spec.id}', requirements=[...])."
            )
            return text, None
        if spec.state == "draft":
            text = f"Call scope_task(spec_id='{spec.id}') to cut {spec.id} into tasks."
            return text, next_call("scope_task", spec_id=spec.id)
    return _next_task_action(task_states, tasks)


def _next_task_action(task_states: list[ArtifactState], tasks: list[Task]) -> tuple[str, NextCall | None]:
    done = {t.id for t, s in zip(tasks, task_states, strict=True) if s.state == "done"}
    for task, state in zip(tasks, task_states, strict=True):
        if state.state == "untrusted":
            return (
                f"{task.id} cannot be trusted ({state.detail.rsplit('; ', 1)[-1]}): restore it from git.",
                None,
            )
        if state.state == "stale":
            text = f"{task.id} changed after validation: call validate_change(task_id='{task.id}') again."
            return text, next_call("validate_change", task_id=task.id)
        if state.state in ("open", "in_progress") and all(dep in done for dep in task.depends_on):
            verb = (
                "fix the failures of its last validation"
                if state.state == "in_progress"
                else "make the change"
            )
            text = (
                f"Work on {task.id}: call context_pack(task_id='{task.id}'), {verb}, "
                f"then validate_change(task_id='{task.id}')."
            )
            return text, next_call("context_pack", task_id=task.id)
    if done:
        last = [t.id for t in tasks if t.id in done][-1]
        text = f"All tasks are done. Call draft_pr(task_id='{last}') for the pull request."
        return text, next_call("draft_pr", task_id=last)
    return "Nothing in progress. Call capture_intent with the discussion of the next change.", None
