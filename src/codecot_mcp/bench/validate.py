"""Validation speed: how long `validate_change` takes to classify a large and a small change.

A temp repository gets a committed base of N small source files in six languages
and a task whose allowed paths cover half of them; then N files are edited
(modified, added, deleted, renamed) and the change is classified with
`validate_change(run_checks=False)`: the diff, the scope of every file and the
symbols its hunks touch. Checks are left out because they time the project's own
tests, not Codecot. The issue's targets: a 1,000-file change in under 2 s on this
machine's cores, a 20-file change in under 0.3 s.

"Cold" is the first call with no index cache and a new Workspace (a fresh CI
checkout); "warm" reuses the Workspace, as the MCP server does.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from codecot_mcp.domain.limits import MAX_BUDGET_FILES, MAX_BUDGET_LINES
from codecot_mcp.errors import CodecotError, InvalidInputError
from codecot_mcp.intel.gitrepo import init_and_commit
from codecot_mcp.services.intents import capture_intent
from codecot_mcp.services.requests import (
    CaptureIntentRequest,
    DraftSpecRequest,
    ScopeTaskRequest,
    ValidateChangeRequest,
)
from codecot_mcp.services.run import Run
from codecot_mcp.services.specs import draft_spec
from codecot_mcp.services.tasks import scope_task
from codecot_mcp.services.validation import validate_change
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import ArtifactStore

LARGE_TARGET_S = 2.0
SMALL_TARGET_S = 0.3
AREAS = ("api", "auth", "billing", "core", "jobs", "reports", "search", "storage", "web", "tools")
ALLOWED_AREAS = AREAS[: len(AREAS) // 2]
NOUNS = ("invoice", "order", "account", "session", "report", "shipment", "ticket", "payment")
_GIT_IDENTITY = ["-c", "user.name=Codecot", "-c", "user.email=codecot@localhost.invalid"]

_TEMPLATES: dict[str, tuple[str, str]] = {
    # language -> (path under the area, source); $digits and $limit change when a file is modified
    "python": (
        "py/${noun}_${tag}.py",
        '''"""${Noun} records for the ${area} area."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ${Noun}${tag}:
    key: str
    amount: float

    def rounded(self) -> float:
        return round(self.amount, ${digits})


def parse_${noun}_${tag}(line: str) -> ${Noun}${tag}:
    key, amount = line.split(",", 1)
    return ${Noun}${tag}(key.strip(), float(amount))


def is_overdue_${tag}(days: int) -> bool:
    limit = ${limit}
    return days > limit
''',
    ),
    "javascript": (
        "js/${noun}_${tag}.js",
        """// ${Noun} helpers for the ${area} area.

export class ${Noun}${tag} {
  constructor(key, amount) {
    this.key = key;
    this.amount = amount;
  }

  rounded() {
    return Number(this.amount.toFixed(${digits}));
  }
}

export function parse${Noun}${tag}(line) {
  const [key, amount] = line.split(",", 2);
  return new ${Noun}${tag}(key.trim(), Number(amount));
}

export function isOverdue${tag}(days) {
  const limit = ${limit};
  return days > limit;
}
""",
    ),
    "typescript": (
        "ts/${noun}_${tag}.ts",
        """// ${Noun} helpers for the ${area} area.

export interface ${Noun}${tag}Row {
  key: string;
  amount: number;
}

export class ${Noun}${tag} implements ${Noun}${tag}Row {
  constructor(public key: string, public amount: number) {}

  rounded(): number {
    return Number(this.amount.toFixed(${digits}));
  }
}

export function parse${Noun}${tag}(line: string): ${Noun}${tag} {
  const [key, amount] = line.split(",", 2);
  return new ${Noun}${tag}(key.trim(), Number(amount));
}

export function isOverdue${tag}(days: number): boolean {
  const limit = ${limit};
  return days > limit;
}
""",
    ),
    "go": (
        "go/${noun}_${tag}.go",
        """// Package ${area} holds the ${noun} helpers of the ${area} area.
package ${area}

import (
\t"strconv"
\t"strings"
)

// ${Noun}${tag} is one ${noun} record.
type ${Noun}${tag} struct {
\tKey    string
\tAmount float64
}

// Rounded returns the amount to a fixed number of decimals.
func (r ${Noun}${tag}) Rounded() float64 {
\tscale := float64(${scale})
\treturn float64(int64(r.Amount*scale)) / scale
}

// Parse${Noun}${tag} reads "key,amount".
func Parse${Noun}${tag}(line string) (${Noun}${tag}, error) {
\tkey, amount, _ := strings.Cut(line, ",")
\tvalue, err := strconv.ParseFloat(strings.TrimSpace(amount), 64)
\treturn ${Noun}${tag}{Key: strings.TrimSpace(key), Amount: value}, err
}

// IsOverdue${tag} says whether a ${noun} is past its limit.
func IsOverdue${tag}(days int) bool {
\tlimit := ${limit}
\treturn days > limit
}
""",
    ),
    "rust": (
        "rs/${noun}_${tag}.rs",
        """//! ${Noun} helpers for the ${area} area.

pub struct ${Noun}${tag} {
    pub key: String,
    pub amount: f64,
}

impl ${Noun}${tag} {
    pub fn rounded(&self) -> f64 {
        let scale = ${scale}.0;
        (self.amount * scale).round() / scale
    }
}

pub fn parse_${noun}_${tag}(line: &str) -> Option<${Noun}${tag}> {
    let (key, amount) = line.split_once(',')?;
    Some(${Noun}${tag} { key: key.trim().to_string(), amount: amount.trim().parse().ok()? })
}

pub fn is_overdue_${tag}(days: u32) -> bool {
    let limit = ${limit};
    days > limit
}
""",
    ),
    "java": (
        "java/${Noun}${tag}.java",
        """package com.example.${area};

/** ${Noun} records for the ${area} area. */
public final class ${Noun}${tag} {
    private final String key;
    private final double amount;

    public ${Noun}${tag}(String key, double amount) {
        this.key = key;
        this.amount = amount;
    }

    public double rounded() {
        double scale = ${scale};
        return Math.round(amount * scale) / scale;
    }

    public static ${Noun}${tag} parse(String line) {
        String[] parts = line.split(",", 2);
        return new ${Noun}${tag}(parts[0].trim(), Double.parseDouble(parts[1].trim()));
    }

    public static boolean isOverdue(int days) {
        int limit = ${limit};
        return days > limit;
    }
}
""",
    ),
}
LANGUAGES = tuple(_TEMPLATES)
DISCUSSION = """alice: We need `parse_invoice_0000` to reject blank lines.
bob: We need `is_overdue_0000` to use the account's own limit.
alice: Done when the parser tests pass.
"""


@dataclass(frozen=True)
class SourceFile:
    number: int
    language: str
    path: str

    def render(self, modified: bool = False) -> str:
        """The file's text; a modified file differs in two lines, inside two different functions."""
        noun = NOUNS[self.number % len(NOUNS)]
        digits = 2 + modified
        source = Template(_TEMPLATES[self.language][1])
        return source.substitute(
            noun=noun,
            Noun=noun.capitalize(),
            tag=f"{self.number:04d}",
            area=self.path.split("/", 1)[0],
            digits=digits,
            scale=10**digits,
            limit=30 + self.number % 7 + modified,
        )


def source_file(number: int, area: str | None = None) -> SourceFile:
    """File `number`: six in a row share an area, one per language, so every area has every language."""
    language = LANGUAGES[number % len(LANGUAGES)]
    area = area or AREAS[(number // len(LANGUAGES)) % len(AREAS)]
    noun = NOUNS[number % len(NOUNS)]
    relative = Template(_TEMPLATES[language][0]).substitute(
        noun=noun, Noun=noun.capitalize(), tag=f"{number:04d}"
    )
    return SourceFile(number, language, f"{area}/{relative}")


@dataclass
class EditPlan:
    modified: list[SourceFile] = field(default_factory=list)
    added: list[SourceFile] = field(default_factory=list)
    deleted: list[SourceFile] = field(default_factory=list)
    renamed: list[tuple[SourceFile, SourceFile]] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.modified) + len(self.added) + len(self.deleted) + len(self.renamed)


def plan_edits(base: list[SourceFile], count: int, seed: int = 7) -> EditPlan:
    """`count` changed files: about 80% modified, 15% added, 5% deleted, and two renames.

    Added files stay untracked, as an agent leaves them; renames go through `git mv`,
    one inside the allowed paths and one out of them, so git reports them as renames.
    """
    renames = 2 if count >= 10 else (1 if count >= 4 else 0)
    deleted = max(1, count // 20) if count >= 3 else 0
    added = max(1, count * 3 // 20) if count >= 2 else 0
    modified = count - renames - deleted - added
    shuffled = random.Random(seed).sample(base, len(base))  # noqa: S311 (seeded for a reproducible workload, not for secrets)
    movable = [f for f in shuffled if f.language != "java"][:renames]  # a Java file's name is its class
    rest = [f for f in shuffled if f not in movable]
    plan = EditPlan(modified=rest[:modified], deleted=rest[modified : modified + deleted])
    first_new = len(base) + 1000
    plan.added = [source_file(first_new + k) for k in range(added)]
    for k, old in enumerate(movable):
        # the first stays in its area (in scope or not), the second moves out of the allowed paths
        area = old.path.split("/", 1)[0] if k == 0 else AREAS[-1]
        new = source_file(first_new + added + k, area)
        plan.renamed.append((old, SourceFile(old.number, old.language, new.path)))
    return plan


@dataclass
class ChangeTimes:
    label: str
    planned: int
    classified: int
    in_scope: int
    statuses: dict[str, int]
    cold_s: float
    warm_s: float
    target_s: float

    @property
    def within_target(self) -> bool:
        return self.warm_s < self.target_s


@dataclass
class BenchResult:
    base_files: int
    allowed_files: int
    task_id: str
    cores: int
    repeats: int
    rows: list[ChangeTimes]
    repo: Path | None = None  # kept with --keep


def usable_cores() -> int:
    """The cores this process may run on, which is what the index's worker pool uses."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(files: int = 1000, small: int = 20, repeats: int = 5, keep: bool = False) -> BenchResult:
    if files < 1 or small < 1 or repeats < 1:
        raise InvalidInputError("--files, --small and --repeat must be at least 1")
    if small > files:
        raise InvalidInputError(f"--small ({small}) cannot exceed --files ({files})")
    tmp = Path(tempfile.mkdtemp(prefix="codecot-bench-validate-"))
    repo = tmp / "repo"
    try:
        base = build_base(repo, files)
        task_id = make_task(repo)
        rows = []
        for label, count, target in (("large", files, LARGE_TARGET_S), ("small", small, SMALL_TARGET_S)):
            plan = plan_edits(base, count)
            with applied(repo, plan):
                rows.append(time_change(repo, task_id, label, plan.files, repeats, target))
        allowed = sum(1 for f in base if f.path.split("/", 1)[0] in ALLOWED_AREAS)
        return BenchResult(files, allowed, task_id, usable_cores(), repeats, rows, repo if keep else None)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def build_base(repo: Path, count: int) -> list[SourceFile]:
    base = [source_file(number) for number in range(count)]
    for item in base:
        write(repo, item.path, item.render())
    init_and_commit(repo, f"base: {count} source files")
    return base


def make_task(repo: Path) -> str:
    """A task made the way an agent makes one: intent, spec, then a scope of half the areas."""
    ws = Workspace(repo)
    try:
        intent = capture_intent(ws, CaptureIntentRequest(discussion=DISCUSSION), Run()).intent
        spec = draft_spec(ws, DraftSpecRequest(intent_id=intent.id), Run()).spec
        allowed = [f"{area}/**" for area in ALLOWED_AREAS]
        scope = ScopeTaskRequest(
            spec_id=spec.id, allowed_paths=allowed, max_files=MAX_BUDGET_FILES, max_lines=MAX_BUDGET_LINES
        )
        task = scope_task(ws, scope, Run())
        return task.tasks[0].id
    finally:
        ws.close()


@contextmanager
def applied(repo: Path, plan: EditPlan) -> Iterator[None]:
    """Make the plan's edits in the working tree, and undo them afterwards."""
    for item in plan.modified:
        write(repo, item.path, item.render(modified=True))
    for item in plan.added:
        write(repo, item.path, item.render())
    for item in plan.deleted:
        (repo / item.path).unlink()
    for old, new in plan.renamed:
        (repo / new.path).parent.mkdir(parents=True, exist_ok=True)
        _git(repo, "mv", old.path, new.path)
        write(repo, new.path, new.render(modified=True))
    try:
        yield
    finally:
        _git(repo, "reset", "-q", "--hard")
        for item in plan.added:
            (repo / item.path).unlink(missing_ok=True)


def time_change(
    repo: Path, task_id: str, label: str, planned: int, repeats: int, target: float
) -> ChangeTimes:
    shutil.rmtree(ArtifactStore(repo).cache_dir, ignore_errors=True)
    started = time.perf_counter()
    ws = Workspace(repo)
    try:
        request = ValidateChangeRequest(task_id=task_id, run_checks=False)
        result = validate_change(ws, request, Run())
        cold = time.perf_counter() - started
        warms: list[float] = []
        for _ in range(repeats):
            started = time.perf_counter()
            validate_change(ws, request, Run())
            warms.append(time.perf_counter() - started)
    finally:
        ws.close()
    files = result.validation.files
    return ChangeTimes(
        label=label,
        planned=planned,
        classified=len(files),
        in_scope=sum(1 for f in files if f.in_scope),
        statuses=dict(Counter(f.status for f in files)),
        cold_s=cold,
        warm_s=statistics.median(warms),
        target_s=target,
    )


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _git(repo: Path, *args: str) -> None:
    try:
        subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            ["git", *_GIT_IDENTITY, *args],  # noqa: S607 (git found on PATH, as the user runs it)
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise CodecotError(
            f"git {' '.join(args)} failed: {detail.strip()}", hint="is git installed?"
        ) from None


def render(result: BenchResult) -> str:
    lines = [
        f"base: {result.base_files} files in {len(LANGUAGES)} languages, {result.allowed_files} inside "
        f"{result.task_id}'s allowed paths; {result.cores} usable cores; warm = median of {result.repeats}",
        "",
        "| change | files edited | classified | in scope | statuses | cold first call s | warm median s "
        "| target s | warm within target |",
        "|" + " --- |" * 9,
    ]
    for r in result.rows:
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(r.statuses.items()))
        lines.append(
            f"| {r.label} | {r.planned} | {r.classified} | {r.in_scope} | {statuses} | {r.cold_s:.2f} | "
            f"{r.warm_s:.3f} | < {r.target_s:g} | {'yes' if r.within_target else 'no'} |"
        )
    lines += [
        "",
        "cold: no index cache, a new Workspace (a fresh CI checkout); warm: the same Workspace again "
        "(the MCP server); validate_change(run_checks=False): diff, scope, symbols.",
    ]
    if result.repo is not None:
        lines.append(f"The repository is kept at {result.repo}")
    return "\n".join(lines)
