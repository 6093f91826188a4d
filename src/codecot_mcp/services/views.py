"""How each operation's result reads: short text for a terminal, Markdown for a page.

Both adapters use these: the CLI prints them (`--format text|markdown`), and
the JSON form is the result model itself, the same one the MCP tool returns.
"""

from __future__ import annotations

from codecot_mcp.domain.markdown import render_intent, render_spec
from codecot_mcp.domain.models import ContextPack, Finding
from codecot_mcp.domain.untrusted import display_path, escape_controls, inline_code
from codecot_mcp.services.briefing import nearby_summary
from codecot_mcp.services.intents import IntentResult
from codecot_mcp.services.pr import PullRequestDraft
from codecot_mcp.services.specs import SpecResult
from codecot_mcp.services.status import WorkflowStatus
from codecot_mcp.services.tasks import ScopeResult
from codecot_mcp.services.validation import ValidationResult

_VERDICT_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _ending(findings: list[Finding], next_step: str) -> list[str]:
    """The lint findings, if any, and the next step: how every artifact summary ends."""
    lines = ["Findings:"] if findings else []
    lines += [
        f"  {f.level:<7} {f.path}: {f.message}" + (f" (fix: {f.fix})" if f.fix else "") for f in findings
    ]
    return [*lines, f"Next: {next_step}"]


def intent_text(result: IntentResult) -> str:
    intent = result.intent
    counts = ", ".join(
        f"{len(items)} {label}"
        for label, items in (
            ("goals", intent.goals),
            ("open questions", intent.open_questions),
            ("acceptance signals", intent.acceptance_signals),
            ("links", intent.links),
        )
    )
    lines = [f"{intent.id}: {intent.title}  ({counts})", f"Stored in {result.path}"]
    lines += [f"  {item.id}: {item.text}" for item in intent.goals]
    return "\n".join([*lines, *_ending(result.findings, result.next_step)])


def intent_markdown(result: IntentResult) -> str:
    return render_intent(result.intent)


def spec_text(result: SpecResult) -> str:
    spec = result.spec
    verb = "revised" if result.revised else "drafted"
    lines = [f"{spec.id} ({verb}, revision {spec.revision}): {spec.title}", f"Stored in {result.path}"]
    lines += [f"  {req.id}: {req.title}" for req in spec.requirements]
    lines += [f"  affects {a.path}" + (f" ({a.symbol})" if a.symbol else "") for a in spec.affected_code]
    return "\n".join([*lines, *_ending(result.findings, result.next_step)])


def spec_markdown(result: SpecResult) -> str:
    return render_spec(result.spec)


def scope_text(result: ScopeResult) -> str:
    lines: list[str] = []
    for task, path in zip(result.tasks, result.paths, strict=True):
        lines.append(f"{task.id}: {task.title}  ({', '.join(task.requirement_ids)}; stored in {path})")
        lines.append(f"  allowed:   {', '.join(task.allowed_paths)}")
        lines.append(f"  forbidden: {', '.join(task.forbidden_paths)}")
        if task.new_file_folders:
            lines.append(f"  new files: {', '.join(_folder(f) for f in task.new_file_folders)}")
        if task.nearby_paths or task.new_file_folders:
            lines.append(f"  nearby:    {nearby_summary(task)}")
        lines.append(f"  checks:    {', '.join(task.checks) or 'none'}")
        lines.append(f"  budget:    {task.budget.max_files} files, {task.budget.max_lines} lines")
    lines.append(f"Next: {result.next_step}")
    return "\n".join(lines)


def scope_markdown(result: ScopeResult) -> str:
    lines: list[str] = []
    for task in result.tasks:
        lines += [f"### {task.id}: {escape_controls(task.title)}", ""]
        lines.append(
            f"Requirements: {', '.join(task.requirement_ids)}. Checks: {', '.join(task.checks) or 'none'}."
        )
        lines.append(f"Budget: {task.budget.max_files} files, {task.budget.max_lines} lines.")
        lines += ["", "Allowed paths:", *_code_items(task.allowed_paths)]
        lines += ["", "Forbidden paths:", *_code_items(task.forbidden_paths)]
        if task.new_file_folders:
            lines += [
                "",
                "New files may be added in:",
                *_code_items([_folder(f) for f in task.new_file_folders]),
            ]
        if task.nearby_paths or task.new_file_folders:
            lines += ["", f"Also in scope, named in the verdict: {nearby_summary(task)}."]
        lines.append("")
    return "\n".join(lines)


def _folder(folder: str) -> str:
    return f"{folder}/" if folder else "./"


def _code_items(paths: list[str]) -> list[str]:
    return [f"- {inline_code(display_path(p))}" for p in paths] or ["- none"]


def status_text(status: WorkflowStatus) -> str:
    lines: list[str] = []
    for label, items in (("Intents", status.intents), ("Specs", status.specs), ("Tasks", status.tasks)):
        lines.append(f"{label}:")
        lines += [f"  {i.id:<8} {i.state:<12} {i.title}  ({i.detail})" for i in items] or ["  (none)"]
    if status.problems:
        lines.append("Problems:")
        lines += [f"  {p.path}{':' + str(p.line) if p.line else ''}: {p.message}" for p in status.problems]
    if status.active_task:
        lines.append(f"Active task (the hooks hold the agent to it): {status.active_task}")
    lines.append(f"Next: {status.next_action}")
    return "\n".join(lines)


def status_markdown(status: WorkflowStatus) -> str:
    lines = ["| id | state | title | detail |", "| --- | --- | --- | --- |"]
    for item in (*status.intents, *status.specs, *status.tasks):
        cells = (item.id, item.state, escape_controls(item.title), escape_controls(item.detail))
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if status.active_task:
        lines += ["", f"Active task (the hooks hold the agent to it): {status.active_task}."]
    lines += ["", f"**Next:** {status.next_action}"]
    return "\n".join(lines)


def pack_text(pack: ContextPack) -> str:
    header = [
        f"Context pack: {len(pack.spans)} spans, {pack.tokens_used}/{pack.token_budget} tokens (chars/4)",
        "Ranked files:",
    ]
    header += [f"  {f.score:5.2f}  {f.path}  — {'; '.join(f.reasons[:3])}" for f in pack.files[:10]]
    return "\n".join(header) + "\n\n" + pack.text


def pack_markdown(pack: ContextPack) -> str:
    return pack.text


def validation_text(result: ValidationResult) -> str:
    v = result.validation
    lines = [
        f"{v.id} {v.task_id}: {_VERDICT_MARK[v.verdict]}  (base {(v.base_commit or '')[:10]}, "
        f"digest {v.diff_digest[:10]}, task now {result.task_status})"
    ]
    lines += [f"  - {reason.message}" for reason in v.reasons]
    lines.append(f"Files ({v.budget.summary()}):")
    for f in v.files:
        scope = "in scope" if f.in_scope else f"OUT: {f.scope_label}"
        symbols = f"  [{', '.join(f.symbols[:4])}]" if f.symbols else ""
        lines.append(f"  {f.status:<9} +{f.added:<4} -{f.deleted:<4} {f.path}  ({scope}){symbols}")
    for check in v.checks:
        lines.append(
            f"Check {check.name}: {'passed' if check.passed else 'FAILED'} in {check.duration_s:.2f}s"
        )
    for item in v.coverage:
        lines.append(
            f"Coverage {item.requirement_id}: {'yes' if item.covered else 'NO'}"
            + (f" ({item.evidence[0]})" if item.evidence else "")
        )
    lines.append(f"Next: {result.next_step}")
    return "\n".join(lines)


def validation_markdown(result: ValidationResult) -> str:
    v = result.validation
    lines = [f"### Codecot {v.id} for {v.task_id}: **{v.verdict}**", ""]
    lines += [f"- {escape_controls(reason.message)}" for reason in v.reasons]
    lines += ["", "| file | change | scope | functions and classes |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {inline_code(display_path(f.path))} | {f.status} +{f.added}/-{f.deleted} "
        f"| {'in' if f.in_scope else display_path(f.scope_label)} "
        f"| {', '.join(inline_code(display_path(s)) for s in f.symbols[:6])} |"
        for f in v.files
    ]
    lines += ["", *(f"- check `{c.name}`: {'passed' if c.passed else 'failed'}" for c in v.checks)]
    return "\n".join(lines)


def pr_text(draft: PullRequestDraft) -> str:
    state = "ready" if draft.ready else f"not ready ({draft.verdict})"
    lines = [f"{draft.title}  [{state}]", *(f"  ! {w}" for w in draft.warnings), "", draft.body]
    return "\n".join(lines)


def pr_markdown(draft: PullRequestDraft) -> str:
    return f"# {draft.title}\n\n{draft.body}"
