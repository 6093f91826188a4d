"""draft_pr: a pull request title and body built from the artifacts and the evidence.

Paths and other repository or discussion text in the body are escaped onto their line
(or table cell), and check output goes in a fence it cannot close.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from codecot_mcp.domain.models import Intent, Spec, Task, Validation
from codecot_mcp.domain.untrusted import display_path, escape_controls, fenced, inline_code
from codecot_mcp.errors import CodecotError
from codecot_mcp.services.drift import workdir_of
from codecot_mcp.services.requests import DraftPrRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.staleness import is_stale
from codecot_mcp.services.tasks import load_task
from codecot_mcp.services.trust import untrusted_records
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, SPECS, VALIDATIONS, Codec, M

MAX_CHECK_TAIL_LINES = 15


class PullRequestDraft(BaseModel):
    task_id: str
    title: str
    body: str = Field(
        description="Markdown body: intent, requirement coverage, scope report, check evidence."
    )
    verdict: str = Field(description="The last validation's verdict, or 'unvalidated'.")
    ready: bool = Field(description="True only with a current passing validation.")
    warnings: list[str] = []


def draft_pr(ws: Workspace, request: DraftPrRequest, run: Run) -> PullRequestDraft:
    task = load_task(ws, request.task_id)
    spec = ws.store.load(SPECS, task.spec_id)
    intent = _optional(ws, INTENTS, spec.intent_id)
    validation = _optional(ws, VALIDATIONS, task.last_validation) if task.last_validation else None
    warnings: list[str] = []
    if validation is None:
        warnings.append(f"{task.id} has no validation: call validate_change(task_id='{task.id}') first")
    elif validation.verdict != "pass":
        warnings.append(f"the last validation ({validation.id}) is '{validation.verdict}', not 'pass'")
    stale = validation is not None and is_stale(workdir_of(ws.root, task), validation)
    if stale:
        warnings.append("the working tree changed after the last validation: validate again")
    untrusted = untrusted_records(ws, task, validation)
    warnings += untrusted
    ready = validation is not None and validation.verdict == "pass" and not stale and not untrusted
    body = render_body(task, spec, intent, validation, stale)
    return PullRequestDraft(
        task_id=task.id,
        title=f"{escape_controls(task.title)} ({task.id})",
        body=body,
        verdict=validation.verdict if validation else "unvalidated",
        ready=ready,
        warnings=warnings,
    )


def _optional(ws: Workspace, codec: Codec[M], artifact_id: str) -> M | None:
    try:
        return ws.store.load(codec, artifact_id)
    except CodecotError:  # a PR can still be drafted around a missing or broken artifact
        return None


def render_body(task: Task, spec: Spec, intent: Intent | None, val: Validation | None, stale: bool) -> str:
    lines: list[str] = []
    if intent is not None:
        lines += [f"## Why ({intent.id})", ""]
        lines += [f"- {escape_controls(item.text)}" for item in (intent.problem or intent.goals)[:5]]
        lines.append("")
    lines += [f"## What ({spec.id}, {task.id})", ""]
    covered = {c.requirement_id: c for c in val.coverage} if val else {}
    for req in spec.requirements:
        if req.id not in task.requirement_ids:
            continue
        item = covered.get(req.id)
        mark = "x" if item and item.covered else " "
        evidence = f" — {'; '.join(item.evidence[:3])}" if item and item.evidence else " — no evidence yet"
        lines.append(escape_controls(f"- [{mark}] **{req.id}** {req.title}{evidence}"))
    lines.append("")
    if val is None:
        lines += ["## Validation", "", "Not validated yet.", ""]
        return "\n".join(lines)
    state = "stale: the tree changed since" if stale else "current"
    lines += [
        f"## Validation ({val.id}: **{val.verdict}**, {state})",
        "",
        f"Base `{(val.base_commit or '')[:12]}`, head `{(val.head_commit or '')[:12]}`, "
        f"diff digest `{val.diff_digest[:12]}`.",
        "",
    ]
    lines += [f"- {escape_controls(reason.message)}" for reason in val.reasons]
    lines += ["", "### Scope", "", "| file | change | in scope | symbols |", "| --- | --- | --- | --- |"]
    for f in val.files:
        symbols = ", ".join(inline_code(display_path(s)) for s in f.symbols[:4])
        scope = "yes" if f.in_scope else f"no: {display_path(f.scope_label)}"
        path = inline_code(display_path(f.path))
        lines.append(f"| {path} | {f.status} +{f.added}/-{f.deleted} | {scope} | {symbols} |")
    lines += [
        "",
        f"Budget: {val.budget.summary()}.",
        "",
        "### Checks (run by Codecot)",
        "",
    ]
    for check in val.checks:
        name = inline_code(escape_controls(check.name))
        argv = inline_code(escape_controls(" ".join(check.argv)))
        lines.append(
            f"- {name} ({argv}): {'passed' if check.passed else 'FAILED'} in {check.duration_s:.1f}s"
        )
        if not check.passed:
            tail = check.output_tail.strip().splitlines()[-MAX_CHECK_TAIL_LINES:]
            lines += ["", fenced("\n".join(tail), "text", indent="  ")]
    if not val.checks:
        lines.append("- none ran")
    lines.append("")
    return "\n".join(lines)
