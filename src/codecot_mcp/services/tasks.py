"""scope_task: requirements become small tasks with paths, symbols, checks and a budget."""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shlex

from pydantic import BaseModel, Field

from codecot_mcp.domain.ids import normalize_id, parse_requirement_id
from codecot_mcp.domain.models import ChangeBudget, NextCall, Requirement, Spec, SymbolRef, Task, next_call
from codecot_mcp.domain.scaffold import requirement_example
from codecot_mcp.domain.scope import DEFAULT_FORBIDDEN, TEST_DIRS, check_globs, first_match, is_test_path
from codecot_mcp.errors import ArtifactError, InvalidInputError, NotFoundError
from codecot_mcp.intel.diff import collect_change
from codecot_mcp.intel.gitrepo import create_worktree, head_commit
from codecot_mcp.intel.index import CodeIndex
from codecot_mcp.intel.ranking import rank_files
from codecot_mcp.intel.testfiles import tests_for
from codecot_mcp.services.hooks import set_active_task
from codecot_mcp.services.requests import ScopeTaskRequest
from codecot_mcp.services.run import Run
from codecot_mcp.services.specs import MIN_SYMBOL_CHARS, intent_text
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import INTENTS, SPECS, TASKS, now_iso
from codecot_mcp.store.config import Config, add_checks

# A task's default scope is the evidence, not a guess: the files the ranking puts on top for the
# intent's own text plus the spec's affected code, and the existing tests of those files.
SCOPE_RANK_LIMIT = 40  # ranked files read to choose the sources from
SCOPE_SOURCE_FILES = 12  # ranked source files a task may touch besides the spec's affected code
SCOPE_MIN_SCORE = 0.15  # below this share of the top file's score a match is noise, not evidence
SCOPE_IMPORTED_FILES = 8  # modules of the top source's own imports a task may touch
TESTS_PER_FILE = 2  # test files kept per source file, named-after ones first
MAX_ALLOWED_ENTRIES = 30  # a scope a reviewer can still read through
MAX_TARGET_SYMBOLS = 12  # target symbols beyond this dilute the context pack's boost
MAX_NEARBY_FILES = 200  # files beside the scope a task records; a core module's importers can be many
# Top-level folders of prose and samples: a fix lands in the code, so their files are not sources.
_NOT_SOURCE_DIRS = frozenset({"doc", "docs", "example", "examples", "benchmarks", "performance"})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    index = ws.index(run)
    query = _spec_text(ws, spec)
    changed = _changed_paths(ws, base)
    if changed:
        shown = ", ".join(sorted(changed)[:5]) + (" ..." if len(changed) > 5 else "")
        run.note(
            f"{len(changed)} files changed since the base commit are left out of the derived scope "
            f"({shown}): a change is not evidence of where it belongs. Scope on a clean tree, or "
            "pass allowed_paths (a person approves what goes beyond the derived scope)."
        )
    derived, new_folders, nearby = _default_allowed(index, spec, query, changed)
    allowed = allowed_paths or derived
    if not allowed:
        top = next(iter(index.files()), "README.md")
        raise InvalidInputError(
            f"{spec.id} names no affected code and nothing in the repository matches it, "
            "so the task would have no allowed paths",
            hint=f"call scope_task(spec_id='{spec.id}', allowed_paths=['{top}'])",
        )
    targets = _target_symbols(index, spec, allowed, query)
    widened = _widened(index.files(), derived + nearby, allowed, forbidden_paths, budget, config)
    created: list[Task] = []
    for group in groups:
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
                new_file_folders=[] if allowed_paths else new_folders,
                nearby_paths=[] if allowed_paths else nearby,
                target_symbols=targets,
                checks=checks or list(config.checks),
                budget=budget,
                depends_on=[t.id for t in created],
                base_commit=base,
                created_at=now_iso(),
                awaiting_approval=widened,
            )

        task = ws.store.create(TASKS, build, spec=spec.id, config=ws.store.config_digest())
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
            f"{spec.id} has no requirements",
            hint=f"call draft_spec(spec_id='{spec.id}'): it derives one from {spec.intent_id}'s problem; "
            f"if the intent gives none, call "
            f"draft_spec(spec_id='{spec.id}', {requirement_example(spec.title)})",
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


def _spec_text(ws: Workspace, spec: Spec) -> str:
    """The intent's own text (quotes included) and the spec's words: what the scope is ranked for."""
    parts = [spec.title, spec.summary]
    with contextlib.suppress(NotFoundError, ArtifactError):  # the spec stands on its own
        parts.append(intent_text(ws.store.load(INTENTS, spec.intent_id)))
    for req in spec.requirements:
        parts += [req.title, req.statement, *(c.text for c in req.criteria)]
    return "\n".join(p for p in parts if p)


def _default_allowed(
    index: CodeIndex, spec: Spec, query: str, changed: set[str]
) -> tuple[list[str], list[str], list[str]]:
    """(named files, folders for new files, files nearby): the evidence a fix is likely to touch.

    The spec's affected code and the top ranked sources; what the top source imports (a fix
    in a module often changes the helper it calls); the `__init__` of each source's package
    (where a new name is exported); then their existing tests. New files may be added in the
    folders of those sources and tests, as a fix adds a module or a test beside them. Nearby are
    the files those sources import or are imported by: a fix often reaches one hop into a
    helper or a caller the text never names, and the base's imports are evidence of that.

    The index reads the working tree, so a file changed since the base (`changed`) is no
    evidence: an agent could write the issue's words or an import into it before scoping.
    It is left out, and its imports with it.
    """
    affected = [p for p in dict.fromkeys(a.path for a in spec.affected_code) if p not in changed]
    ranked = rank_files(index, query, boost_paths=affected, exclude=changed, limit=SCOPE_RANK_LIMIT)
    picked = [r.path for r in ranked if r.score >= SCOPE_MIN_SCORE and r.path not in affected]
    primary = list(dict.fromkeys(affected + [p for p in picked if _is_source(index, p)][:SCOPE_SOURCE_FILES]))
    secondary: list[str] = []
    if primary:
        order = {p: n for n, p in enumerate(r.path for r in ranked)}
        imported = sorted(index.imports_of(primary[0]), key=lambda p: order.get(p, len(order)))
        secondary += [p for p in imported if _is_source(index, p)][:SCOPE_IMPORTED_FILES]
    secondary += [init for init in map(_package_init, primary + secondary) if init and index.has_file(init)]
    secondary = [p for p in dict.fromkeys(secondary) if p not in primary]
    files = [f for f in index.files() if f not in changed]
    tests = [
        tests_for(path, files, [p for p in index.importers_of(path) if p not in changed], TESTS_PER_FILE)
        for path in primary + secondary
    ]
    # The first test of every primary source, then the rest: a cut at the end drops the least evidence.
    allowed = primary + [group[0] for group in tests[: len(primary)] if group] + secondary
    for rank in range(TESTS_PER_FILE):
        allowed += [group[rank] for group in tests if len(group) > rank]
    allowed += [p for p in picked if is_test_path(p)]
    allowed = [p for p in dict.fromkeys(allowed) if p not in changed][:MAX_ALLOWED_ENTRIES]
    folders = [posixpath.dirname(p) for p in allowed if not is_test_path(p)]
    folders += [f"{root}/**" for root in map(_test_root, allowed) if root]  # new tests, fixtures
    return allowed, list(dict.fromkeys(folders)), _nearby(index, allowed, changed)


def _changed_paths(ws: Workspace, base: str | None) -> set[str]:
    """Files the working tree changed since `base` (both names of a rename); none without a base."""
    if base is None:
        return set()
    files = collect_change(ws.root, base).files
    return {f.path for f in files} | {f.old_path for f in files if f.old_path}


def _nearby(index: CodeIndex, allowed: list[str], changed: set[str]) -> list[str]:
    """Sources one import away from the allowed ones: their imports, the `__init__` of their
    package (where a name is exported), then their importers (a core module's can be many, so
    they come last). Changed files are none of them; root files (setup.py, conftest.py: the
    project's plumbing) stay out."""
    sources = [p for p in allowed if _is_source(index, p)]
    found = [q for p in sources for q in index.imports_of(p)]
    found += [init for init in map(_package_init, sources) if init and index.has_file(init)]
    found += [q for p in sources for q in index.importers_of(p)]
    taken = set(allowed) | changed
    near = [q for q in dict.fromkeys(found) if q not in taken and "/" in q and _is_source(index, q)]
    return near[:MAX_NEARBY_FILES]


def _test_root(path: str) -> str | None:
    """The test tree a test file sits in (`tests`, `pkg/tests`), or None for a test beside its code."""
    parts = path.split("/")[:-1]
    for depth, part in enumerate(parts):
        if part in TEST_DIRS:
            return "/".join(parts[: depth + 1])
    return None


def _package_init(path: str) -> str | None:
    """The `__init__.py` beside a Python module, where its package exports names."""
    folder, _, name = path.rpartition("/")
    if not name.endswith(".py") or name == "__init__.py" or not folder:
        return None
    return f"{folder}/__init__.py"


def _widened(
    files: list[str],
    derived: list[str],
    allowed: list[str],
    forbidden: list[str] | None,
    budget: ChangeBudget,
    config: Config,
) -> list[str]:
    """How the caller's arguments widen the scope scoping derived; each waits for a person.

    Narrowing is free (fewer allowed files, more forbidden ones, a smaller budget); an
    allowed glob that admits a file the derived scope does not, dropping a default
    forbidden path, or a budget above the config's is the agent widening its own task.
    """
    found: list[str] = []
    extra = [f for f in files if first_match(f, allowed) and not first_match(f, derived)]
    if extra:
        found.append(
            f"allowed paths beyond the derived scope: {', '.join(extra[:5])}"
            + (" ..." if len(extra) > 5 else "")
        )
    dropped = [p for p in DEFAULT_FORBIDDEN if forbidden is not None and p not in forbidden]
    if dropped:
        found.append(f"default forbidden paths removed: {', '.join(dropped)}")
    if budget.max_files > config.max_files or budget.max_lines > config.max_lines:
        found.append(f"budget above the config's: {budget.max_files} files, {budget.max_lines} lines")
    return found


def _is_source(index: CodeIndex, path: str) -> bool:
    """Code that is not a test, a doc or a sample: what a fix changes."""
    info = index.file_info(path)
    top = path.split("/", 1)[0]
    return (
        info is not None
        and info.language is not None
        and not is_test_path(path)
        and top not in _NOT_SOURCE_DIRS
    )


def _target_symbols(index: CodeIndex, spec: Spec, allowed: list[str], query: str) -> list[SymbolRef]:
    """Real definitions in the allowed source files that the spec names or the intent's text spells."""
    words = {w for w in _WORD.findall(query) if len(w) >= MIN_SYMBOL_CHARS}
    words |= {a.symbol.rsplit(".", 1)[-1] for a in spec.affected_code if a.symbol}
    found: list[SymbolRef] = []
    for path in allowed:
        if is_test_path(path) or not index.has_file(path):
            continue
        for symbol in index.definitions_in(path):
            if len(symbol.name) >= MIN_SYMBOL_CHARS and symbol.name in words:
                found.append(SymbolRef(path=path, name=symbol.name, line=symbol.start_line))
    unique = {(s.path, s.name): s for s in reversed(found)}
    return sorted(unique.values(), key=found.index)[:MAX_TARGET_SYMBOLS] if found else []


def _attach_worktree(ws: Workspace, task: Task, base: str | None) -> Task:
    if base is None:
        raise InvalidInputError(
            "the repository has no commits, so a worktree has nothing to start from",
            hint="commit once, or call scope_task without worktree",
        )
    branch = f"codecot/{task.id.lower()}"
    path = ws.root.parent / f"{ws.root.name}.worktrees" / task.id
    create_worktree(ws.root, branch, path, base)
    set_active_task(path, task.id, store_root=ws.root)  # the hooks hold an agent there to this task
    return ws.store.update(
        TASKS,
        task.id,
        lambda t: t.model_copy(update={"branch": branch, "worktree": os.path.relpath(path, ws.root)}),
        "task.worktree",
        branch=branch,
    )


def load_task(ws: Workspace, task_id: str) -> Task:
    return ws.store.load(TASKS, normalize_id(task_id, "task"))
