"""Text renderings of service results for people at a terminal."""

from __future__ import annotations

import sys

from codecot_mcp.domain.models import ContextPack
from codecot_mcp.services.doctor import DoctorReport
from codecot_mcp.services.status import WorkflowStatus
from codecot_mcp.services.validation import ValidationResult
from codecot_mcp.services.workspace import Progress

_VERDICT_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def status_text(status: WorkflowStatus) -> str:
    lines: list[str] = []
    for label, items in (("Intents", status.intents), ("Specs", status.specs), ("Tasks", status.tasks)):
        lines.append(f"{label}:")
        lines += [f"  {i.id:<8} {i.state:<12} {i.title}  ({i.detail})" for i in items] or ["  (none)"]
    if status.problems:
        lines.append("Problems:")
        lines += [f"  {p.path}{':' + str(p.line) if p.line else ''}: {p.message}" for p in status.problems]
    lines.append(f"Next: {status.next_action}")
    return "\n".join(lines)


def pack_text(pack: ContextPack) -> str:
    header = [
        f"Context pack: {len(pack.spans)} spans, {pack.tokens_used}/{pack.token_budget} tokens (chars/4)",
        "Ranked files:",
    ]
    header += [f"  {f.score:5.2f}  {f.path}  — {'; '.join(f.reasons[:3])}" for f in pack.files[:10]]
    return "\n".join(header) + "\n\n" + pack.text


def validation_text(result: ValidationResult) -> str:
    v = result.validation
    lines = [
        f"{v.id} {v.task_id}: {_VERDICT_MARK[v.verdict]}  (base {(v.base_commit or '')[:10]}, "
        f"digest {v.diff_digest[:10]}, task now {result.task_status})"
    ]
    lines += [f"  - {reason}" for reason in v.reasons]
    lines.append(
        f"Files ({v.budget.files_changed}/{v.budget.max_files}, "
        f"{v.budget.lines_changed}/{v.budget.max_lines} lines):"
    )
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
    lines += [f"- {reason}" for reason in v.reasons]
    lines += ["", "| file | change | scope | functions and classes |", "| --- | --- | --- | --- |"]
    lines += [
        f"| `{f.path}` | {f.status} +{f.added}/-{f.deleted} | {'in' if f.in_scope else f.scope_label} "
        f"| {', '.join(f'`{s}`' for s in f.symbols[:6])} |"
        for f in v.files
    ]
    lines += ["", *(f"- check `{c.name}`: {'passed' if c.passed else 'failed'}" for c in v.checks)]
    return "\n".join(lines)


def doctor_text(report: DoctorReport) -> str:
    """One line per check, its fix under it; a summary last, so a failure is not missed."""
    lines: list[str] = []
    for check in report.checks:
        lines.append(f"{check.status:<4} {check.name} {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"     fix: {check.fix}")
    failed = [c.name for c in report.checks if c.status == "fail"]
    warned = [c.name for c in report.checks if c.status == "warn"]
    if failed:
        lines.append(f"doctor: {len(failed)} failed ({', '.join(failed)})")
    elif warned:
        lines.append(f"doctor: no failures, {len(warned)} warning(s) ({', '.join(warned)})")
    else:
        lines.append("doctor: all checks pass")
    return "\n".join(lines)


def progress_bar() -> Progress:
    """A one-line progress display on stderr."""

    def report(done: int, total: int, message: str) -> None:
        width = 30
        filled = int(width * done / total) if total else 0
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message[:40]:<40}")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report
