"""What the CLI shows a person besides operation results: the doctor's report and progress."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn
from rich.progress import Progress as Progress_

from codecot_mcp.services.doctor import DoctorReport
from codecot_mcp.services.run import Progress


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


def progress_reporter() -> Progress:
    """Progress as a bar on stderr (rich), for a person at a terminal; stdout keeps the result.

    rich draws and clears the bar and handles narrow terminals and unknown totals,
    which the hand-made bar did not.
    """
    console = Console(stderr=True)
    bar = Progress_(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    )
    task: TaskID | None = None

    def report(done: int, total: int, message: str) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(message, total=total or None)
        bar.update(task, completed=done, total=total or None, description=message[:60])
        if total and done >= total:
            bar.stop()
            task = None

    return report
