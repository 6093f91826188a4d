"""scope_task: requirements become small tasks with paths, symbols, checks and a budget."""

from __future__ import annotations

import os
import shlex

from pydantic import BaseModel, Field

from codecot_mcp.domain.ids import normalize_id, parse_requirement_id
from codecot_mcp.domain.models import ChangeBudget, NextCall, Requirement, Spec, SymbolRef, Task, next_call
from codecot_mcp.domain.scope import DEFAULT_FORBIDDEN, check_globs, test_globs_for
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.gitrepo import create_worktree, head_commit
from codecot_mcp.services.requests import ScopeTaskRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import SPECS, TASKS, now_iso
from codecot_mcp.store.config import add_checks


class ScopeResult(BaseModel):
    tasks: list[Task]
    paths: list[str] = Field(description="Where each task is stored.")
    next_step: str
    next_call: NextCall | None = None


def unknown_checks(ws: Workspace, checks: list[str] | None) -> list[str]:
    """The names in `checks` that the config does not define, sorted."""
    return sorted(set(checks or []) - set(ws.config.checks))


def confirm_checks(ws: Workspace, commands: dict[str, str]) -> list[str]:
    """Add checks a person typed when asked (name -> command line), split like a shell would
    but never run by one. Empty answers add nothing; returns the names added."""
    parsed: dict[str, list[str]] = {}
    for name, command in commands.items():
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise InvalidInputError(f"cannot read the command for check '{name}': {exc}") from None
        if argv:
            parsed[name] = argv
    if parsed:
        with ws.store.lock():
            add_checks(ws.store.dir, parsed)
    return sorted(parsed)


def scope_task(ws: Workspace, request: ScopeTaskRequest, run: Run) -> ScopeResult:
    allowed_paths = check_globs(request.allowed_paths) if request.allowed_paths else None
    forbidden_paths = check_globs(request.forbidden_paths) if request.forbidden_paths else None
    spec = ws.store.load(SPECS, request.spec_id)
    if request.new_checks:
        confirm_checks(ws, request.new_checks)
    config = ws.config
    chosen = _select_requirements(spec, request.requirement_ids)
    checks = request.checks
    unknown = sorted(set(checks or []) - set(config.checks))
    if unknown:
        raise InvalidInputError(
            f"unknown checks: {', '.join(unknown)}",
            hint=f"configured checks: {', '.join(config.checks) or 'none'}; add them to .codecot/config.toml",
        )
    groups = [[req] for req in chosen] if request.split else [chosen]
    base = head_commit(ws.root)
    budget = ChangeBudget(
        max_files=request.max_files or config.max_files, max_lines=request.max_lines or config.max_lines
    )
    created: list[Task] = []
    for group in groups:
        allowed = allowed_paths or _default_allowed(spec)
        if not allowed:
            raise InvalidInputError(
                f"{spec.id} names no affected code, so the task would have no allowed paths",
                hint="pass allowed_paths, e.g. ['src/report.py', 'tests/**']",
            )
        title = group[0].title if len(group) == 1 else spec.title

        def build(
            task_id: str, group: list[Requirement] = group, title: str = title, allowed: list[str] = allowed
        ) -> Task:
            return Task(
                id=task_id,
                spec_id=spec.id,
                title=title,
                requirement_ids=[r.id for r in group],
                allowed_paths=allowed,
                forbidden_paths=forbidden_paths or list(DEFAULT_FORBIDDEN),
                target_symbols=[
                    SymbolRef(path=a.path, name=a.symbol, line=a.line) for a in spec.affected_code if a.symbol
                ],
                checks=checks or list(config.checks),
                budget=budget,
                depends_on=[t.id for t in created],
                base_commit=base,
                created_at=now_iso(),
            )

        task = ws.store.create(TASKS, build, spec=spec.id)
        if request.worktree:
            task = _attach_worktree(ws, task, base)
        created.append(task)
    first = created[0].id
    return ScopeResult(
        tasks=created,
        paths=[ws.store.display_path(TASKS, t.id) for t in created],
        next_step=(
            f"Call context_pack(task_id='{first}'), make the change, then validate_change(task_id='{first}')."
        ),
        next_call=next_call("context_pack", task_id=first),
    )


def _select_requirements(spec: Spec, requirement_ids: list[str] | None) -> list[Requirement]:
    if not spec.requirements:
        raise InvalidInputError(
            f"{spec.id} has no requirements", hint=f"call draft_spec(spec_id='{spec.id}') first"
        )
    if not requirement_ids:
        return list(spec.requirements)
    by_id = {r.id: r for r in spec.requirements}
    chosen: list[Requirement] = []
    for raw in requirement_ids:
        spec_number, number = parse_requirement_id(raw)
        key = f"REQ-{spec_number}.{number}"
        if key not in by_id:
            raise InvalidInputError(f"{spec.id} has no requirement {key}", hint=f"known: {', '.join(by_id)}")
        chosen.append(by_id[key])
    return chosen


def _default_allowed(spec: Spec) -> list[str]:
    """The spec's affected files, plus where their tests usually live."""
    allowed: list[str] = []
    for item in spec.affected_code:
        for pattern in (item.path, *test_globs_for(item.path)):
            if pattern not in allowed:
                allowed.append(pattern)
    return allowed


def _attach_worktree(ws: Workspace, task: Task, base: str | None) -> Task:
    if base is None:
        raise InvalidInputError(
            "the repository has no commits, so a worktree has nothing to start from",
            hint="commit once, or call scope_task without worktree",
        )
    branch = f"codecot/{task.id.lower()}"
    path = ws.root.parent / f"{ws.root.name}.worktrees" / task.id
    create_worktree(ws.root, branch, path, base)
    return ws.store.update(
        TASKS,
        task.id,
        lambda t: t.model_copy(update={"branch": branch, "worktree": os.path.relpath(path, ws.root)}),
        "task.worktree",
        branch=branch,
    )


def load_task(ws: Workspace, task_id: str) -> Task:
    return ws.store.load(TASKS, normalize_id(task_id, "task"))
