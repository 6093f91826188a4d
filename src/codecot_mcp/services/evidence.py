"""Evidence from tests: the checks run on the judged tree, and the tests run on the base as well.

The change controls its own tests, so their run on the change proves little. Two more
runs, each in a throwaway snapshot, make it evidence:

- the base code with the change's tests: a test that fails there and passes with the change
  is fail-to-pass, the evidence a requirement is met; a test that fails with the change and
  on the base alike, in a file the change did not touch, was failing before it;
- the change with the base's versions of the tests and test harness it edited, deleted or
  renamed (conftest files, runner config), as the SWE-bench harness resets test files before
  it judges: a base test the change's run lost, skips or breaks is named, so editing a test
  cannot hide a regression.

Only checks that run tests take part in the extra runs (a linter on the base proves nothing);
a check whose runner writes a report Codecot reads (pytest, `go test`, `node --test`, cargo
with libtest's JSON: see `reports`) is compared test by test, any other by its outcome as a
whole. A pytest id names its file; the others' do not (a go package, a node or libtest test
name), so each of their tests counts as possibly in any test file the change touched.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from codecot_mcp.domain.models import (
    CheckResult,
    RequirementCoverage,
    Task,
    TestEvidence,
)
from codecot_mcp.domain.models import (
    EvidenceStrength as Strength,
)
from codecot_mcp.domain.reasons import Reason, ReasonCode, ReasonLevel, reason
from codecot_mcp.domain.scope import is_test_path
from codecot_mcp.errors import CodecotError
from codecot_mcp.intel.changed_symbols import BlobReader
from codecot_mcp.intel.diff import Change, ChangedFile
from codecot_mcp.intel.gitrepo import open_repo
from codecot_mcp.intel.languages import language_for_path
from codecot_mcp.intel.snapshot import commit_edits, digest_of_tree, make_snapshot
from codecot_mcp.intel.testreport import TestReport, compare, fail_to_pass
from codecot_mcp.repofiles import RepoTree, UnreadableError
from codecot_mcp.services.checks import run_check
from codecot_mcp.services.reports import judged_by_report, report_kind, report_request
from codecot_mcp.services.run import Run
from codecot_mcp.store.config import Config

# Files that steer the test runner: restored to the base's version with the base's tests.
HARNESS_NAMES = frozenset(
    {"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "noxfile.py"}
)
# Words in a check's command that say it runs tests (a linter's run on the base proves nothing).
_TEST_RUNNERS = frozenset(
    {"pytest", "py.test", "unittest", "nose2", "tox", "nox", "jest", "vitest", "mocha", "rspec", "ctest"}
)
_TEST_VERBS = frozenset({"test", "tests"})
_MAX_TEST_FILE_BYTES = 1_000_000
_FAILING = frozenset({"failed", "error"})


@dataclass
class CheckRun:
    """The checks' results, and the test report of each check that has one, by check name."""

    results: list[CheckResult]
    reports: dict[str, TestReport] = field(default_factory=dict)


@dataclass
class Judged:
    """What running the checks found: the results, trust reasons, and what the tests show."""

    checks: list[CheckResult]
    reasons: list[Reason]
    tests: TestEvidence | None = None
    whole_check_fail_to_pass: list[str] = field(default_factory=list)  # checks without a report


def runs_tests(name: str, argv: Sequence[str]) -> bool:
    """Whether a check runs tests: pytest, unittest, `go test`, `npm test`, a check named after tests."""
    words = {os.path.basename(a) for a in argv}
    return bool(
        report_kind(list(argv)) or words & _TEST_RUNNERS or words & _TEST_VERBS or "test" in name.lower()
    )


def run_checks(names: Sequence[str], config: Config, workdir: Path, run: Run, label: str = "") -> CheckRun:
    """The checks `names`, in order; `[limits] parallel_checks` of them at once.

    Progress is reported from this thread only: the MCP adapter's callback cannot be
    called from the pool's threads.
    """
    reports: dict[str, TestReport] = {}

    def one(name: str) -> CheckResult:
        run.raise_if_cancelled(f"before check '{name}'")
        argv = config.checks.get(name)
        if argv is None:
            return CheckResult(
                name=name,
                argv=[],
                exit_code=None,
                passed=False,
                duration_s=0.0,
                output_tail=f"check '{name}' is not in .codecot/config.toml",
            )
        timeout, cap = config.check_timeout_seconds, config.check_output_bytes
        with tempfile.TemporaryDirectory(prefix="codecot-report-") as folder:
            asked = report_request(argv, Path(folder), workdir)
            if asked is None:  # a runner whose report Codecot does not read
                return run_check(name, argv, workdir, timeout, cap, run)
            result = run_check(name, asked.argv, workdir, timeout, cap, run, stdout_to=asked.stdout_to)
            judged, report = judged_by_report(result.model_copy(update={"argv": argv}), asked)
        if report is not None:
            reports[name] = report
        return judged

    workers = min(config.parallel_checks, len(names))
    what = f" {label}" if label else ""
    if workers <= 1:
        results: list[CheckResult] = []
        for number, name in enumerate(names):
            run.progress(number, len(names), f"running check '{name}'{what}")
            results.append(one(name))
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="codecot-check") as pool:
            run.progress(0, len(names), f"running {len(names)} checks{what}, {workers} at once")
            futures = [pool.submit(one, name) for name in names]
            for number, future in enumerate(as_completed(futures), start=1):
                if future.exception() is None:
                    run.progress(number, len(names), f"check '{future.result().name}' finished")
            results = [future.result() for future in futures]
    if names:
        run.progress(len(names), len(names), f"checks{what} finished")
    return CheckRun(results, reports)


def judge_checks(
    task: Task, config: Config, workdir: Path, head: str | None, judged: str, change: Change, run: Run
) -> Judged:
    """Run the checks in a throwaway copy of exactly the judged content, then the tests on the base.

    The copy's digest is taken while copying, before any check runs; nothing a check
    writes reaches the working tree, and an ignored file there (`.git/info/exclude`)
    cannot shadow a module in the checks. The tree is hashed again afterwards: a check
    that reached back into it (an absolute path) is named, since what was checked would
    no longer be what is judged. `judged` is the tree's digest from before the diff was
    read, so a file that changed between the diff and the copy is caught as well.
    """
    names = task.checks or list(config.checks)
    with tempfile.TemporaryDirectory(prefix="codecot-judged-") as folder:
        snapshot = make_snapshot(workdir, _run_folder(Path(folder)), head)
        on_change = run_checks(names, config, snapshot.path, run)
        testing = [n for n in names if n in config.checks and runs_tests(n, config.checks[n])]
        result = Judged(on_change.results, [])
        if testing and change.files:
            result = _with_base_runs(testing, config, workdir, change, snapshot.path, on_change, run)
    if not judged == snapshot.digest == digest_of_tree(workdir, head):
        result.reasons.append(reason("tree-changed", "fail"))
    return result


def _run_folder(top: Path) -> Path:
    """Where one run's snapshot goes: `top/<random>/tree`, the same shape for every run, so code
    under test cannot tell by its folder which run it is in (and act as the base did in the
    run of the base's tests)."""
    return Path(tempfile.mkdtemp(dir=top)) / "tree"


def _with_base_runs(
    names: list[str],
    config: Config,
    workdir: Path,
    change: Change,
    judged: Path,
    on_change: CheckRun,
    run: Run,
) -> Judged:
    """The test checks run on the base code with the change's tests, and on the change with the
    base's tests where the change edited them; the evidence compared from those runs."""
    root = judged.parent.parent
    tests = [f for f in change.files if is_test_path(f.path) or _name(f.path) == "conftest.py"]
    touched = {f.path for f in tests} | {f.old_path for f in tests if f.old_path}
    restored = _restored(change.files)
    evidence = TestEvidence()
    try:
        base_tree = make_snapshot(workdir, _run_folder(root), change.base).path
        _overlay(base_tree, judged, tests)
        commit_edits(base_tree)
        on_base = run_checks(names, config, base_tree, run, "on the base code with the change's tests")
        evidence.runs.append("the test checks on the base code with the change's tests")
        on_restored = None
        if restored:
            restored_tree = make_snapshot(workdir, _run_folder(root), change.head).path
            _restore(restored_tree, workdir, change.base, restored)
            commit_edits(restored_tree)
            on_restored = run_checks(names, config, restored_tree, run, "on the change with the base's tests")
            evidence.runs.append(
                "the test checks on the change with the base's versions of the tests it edited"
            )
        base_as_is = _base_as_is(names, config, workdir, change, root, on_change, touched, run)
        if base_as_is is not None:
            evidence.runs.append("the test checks on the base as it was, for failing tests in edited files")
    except CodecotError as exc:  # a base too large to copy, a revision gone: the change's run stands alone
        evidence.runs.append(f"the runs on the base were not made: {exc.message}")
        return Judged(on_change.results, [], evidence)
    whole: list[str] = []
    results = list(on_change.results)
    for position, result in enumerate(results):
        if result.name not in names:
            continue
        head_report, base_report = on_change.reports.get(result.name), on_base.reports.get(result.name)
        if head_report is None or base_report is None:
            if result.passed and not _passed(on_base, result.name):
                whole.append(result.name)
            continue
        evidence.fail_to_pass += fail_to_pass(base_report, head_report, set(head_report.outcomes()))
        before = _outcomes_at_base(
            base_report, base_as_is.reports.get(result.name) if base_as_is else None, touched
        )
        evidence.failing_at_base += [
            i
            for i, outcome in head_report.outcomes().items()
            if outcome in _FAILING and before.get(i) in _FAILING
        ]
        results[position] = _tolerating_base_failures(result, head_report, set(evidence.failing_at_base))
    if on_restored is not None:
        steered = any(_name(p) in HARNESS_NAMES for p in restored)  # a harness file reaches every test
        added = {f.path for f in change.files if f.status in ("added", "untracked")}
        _compare_restored(
            evidence,
            on_change,
            on_restored,
            None if steered else set(restored.values()) | set(restored),
            added,
        )
    return Judged(results, [], evidence, whole)


def _passed(runs: CheckRun, name: str) -> bool:
    return any(r.passed for r in runs.results if r.name == name)


def _base_as_is(
    names: list[str],
    config: Config,
    workdir: Path,
    change: Change,
    root: Path,
    on_change: CheckRun,
    touched: set[str],
    run: Run,
) -> CheckRun | None:
    """The test checks on the base exactly as it was, made only when a test in a file the change
    touched fails: whether that test failed before the change is known from this run alone."""
    failing_touched = any(
        outcome in _FAILING and _in_files(report, i, touched)
        for report in on_change.reports.values()
        for i, outcome in report.outcomes().items()
    )
    if not failing_touched:
        return None
    tree = make_snapshot(workdir, _run_folder(root), change.base).path
    return run_checks(names, config, tree, run, "on the base as it was")


def _outcomes_at_base(
    with_new_tests: TestReport, as_is: TestReport | None, touched: set[str]
) -> dict[str, str]:
    """Each test's outcome before the change: from the base's own version of its file."""
    outcomes: dict[str, str] = {
        i: o for i, o in with_new_tests.outcomes().items() if not _in_files(with_new_tests, i, touched)
    }
    if as_is is not None:
        outcomes.update({i: o for i, o in as_is.outcomes().items() if _in_files(as_is, i, touched)})
    return outcomes


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _restored(files: Sequence[ChangedFile]) -> dict[str, str]:
    """Test and harness files of the base the change edited, deleted or renamed: base path -> path now."""
    found: dict[str, str] = {}
    for f in files:
        base_path = f.old_path or f.path
        added = f.status in ("added", "untracked") and not f.old_path
        if added and _name(f.path) in HARNESS_NAMES:  # a new conftest steers the base's tests too:
            found[f.path] = f.path  # it has no base version, so the base's run goes without it
        elif not added and (is_test_path(base_path) or _name(base_path) in HARNESS_NAMES):
            found[base_path] = f.path
    return found


def _overlay(tree: Path, judged: Path, tests: Sequence[ChangedFile]) -> None:
    """Put the change's versions of its test files into `tree` (a copy of the base)."""
    source = RepoTree(judged)
    for f in tests:
        if f.status == "renamed" and f.old_path and (tree / f.old_path).is_file():
            (tree / f.old_path).unlink()
        target = tree / f.path
        if f.status == "deleted":
            target.unlink(missing_ok=True)
            continue
        try:
            data = source.read_bytes(f.path, _MAX_TEST_FILE_BYTES)
        except UnreadableError:  # a link or a special file: the base keeps its own
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.write_bytes(data)


def _restore(tree: Path, workdir: Path, base: str, restored: dict[str, str]) -> None:
    """Put the base's versions of `restored` back into `tree` (a copy of the change)."""
    reader = BlobReader(workdir)
    try:
        for base_path in restored:
            data = reader.read(base, os.fsencode(base_path))
            if data is None:  # a harness file the change added: the base ran without it
                (tree / restored[base_path]).unlink(missing_ok=True)
                continue
            target = tree / base_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.write_bytes(data)
    finally:
        reader.close()


def _file_of(test_id: str) -> str:
    return test_id.split("::", 1)[0]


def _in_files(report: TestReport, test_id: str, paths: Collection[str] | None) -> bool:
    """Whether a test may be in one of `paths` (None: every file): a pytest id starts with its
    file; the ids of the other runners name none, so any of their tests may be, once there is a
    path at all."""
    if paths is None:
        return True
    return _file_of(test_id) in paths if report.kind == "pytest" else bool(paths)


def _tolerating_base_failures(result: CheckResult, report: TestReport, at_base: set[str]) -> CheckResult:
    """A check whose only failures failed on the base too passes: the change did not cause them."""
    if result.passed or result.timed_out or not report.complete or report.collected == 0:
        return result
    failing = {i for i, outcome in report.outcomes().items() if outcome in _FAILING}
    if not failing or not failing <= at_base:
        return result
    note = f"\n[codecot] {len(failing)} failing test(s) fail on the base code too: not the change's doing"
    return result.model_copy(
        update={"passed": True, "failure": None, "output_tail": result.output_tail + note}
    )


def _compare_restored(
    evidence: TestEvidence,
    on_change: CheckRun,
    restored: CheckRun,
    paths: set[str] | None,
    added: Collection[str] = (),
) -> None:
    """The base's versions of the tests the change edited, run on the change, against the change's run.

    `paths` are the test files compared; None compares every test (a harness file was restored),
    except those in files the change `added`: no base test is there (a new test that needs the
    change's new conftest fails under the base's).
    """
    fail_to_pass_ids = set(evidence.fail_to_pass)
    by_name = {r.name: r for r in on_change.results}
    for result in restored.results:
        head_report, base_report = on_change.reports.get(result.name), restored.reports.get(result.name)
        if head_report is None or base_report is None:
            head_result = by_name.get(result.name)
            if not result.passed and head_result is not None and head_result.passed:
                evidence.base_tests_failing.append(f"check '{result.name}' with the base's tests")
            continue
        diff = compare(base_report, head_report)
        evidence.removed += [i for i in diff.missing if _in_files(base_report, i, paths)]
        evidence.skipped += [i for i in diff.skipped if _in_files(base_report, i, paths)]
        after = head_report.outcomes()
        for test_id, outcome in base_report.outcomes().items():
            if (
                outcome not in _FAILING
                or not _in_files(base_report, test_id, paths)
                or (base_report.kind == "pytest" and _file_of(test_id) in added)
                or after.get(test_id) in _FAILING
            ):
                continue
            if test_id in fail_to_pass_ids:
                evidence.expectations_changed.append(test_id)
            else:
                evidence.base_tests_failing.append(test_id)


def test_reasons(judged: Judged, approved: Sequence[str] = ()) -> list[Reason]:
    """Reasons from the base runs: lost, hidden or broken base tests fail; the rest inform.

    A base test a person allowed the change to remove, skip or rewrite (`approve TASK`
    after reading the validation that named it) is a note, not a fail: an honest change
    of behaviour changes what its tests expect, and only a person can tell it from a
    weakened test. A base test whose rewritten version is fail-to-pass warns until then.
    """
    tests = judged.tests
    if tests is None:
        return []
    allowed = set(approved)
    found: list[Reason] = []
    held: list[str] = []
    # A rewritten expectation warns rather than fails: an honest change of behaviour or a
    # regression written into the test (the broken value asserted), and no run tells which.
    lost: tuple[tuple[ReasonCode, ReasonLevel, list[str]], ...] = (
        ("tests-removed", "fail", tests.removed),
        ("tests-skipped", "fail", tests.skipped),
        ("base-tests-fail", "fail", tests.base_tests_failing),
        ("expectation-changed", "warn", tests.expectations_changed),
    )
    for code, level, ids in lost:
        unapproved = [i for i in ids if i not in allowed]
        if unapproved:
            found.append(reason(code, level, unapproved))
        held += [i for i in ids if i in allowed]
    if held:
        found.append(reason("tests-approved", "note", held))
    if tests.failing_at_base:
        found.append(reason("failing-at-base", "note", tests.failing_at_base))
    if tests.fail_to_pass or judged.whole_check_fail_to_pass:
        shown = tests.fail_to_pass or [f"check '{n}'" for n in judged.whole_check_fail_to_pass]
        found.append(reason("fail-to-pass", "note", shown))
    return found


# ---------------------------------------------------------------- requirement coverage


def requirement_pattern(requirement_id: str) -> re.Pattern[str]:
    """`REQ-1.2` as written in a docstring or marker, or as `req_1_2` in a test name.

    Not `REQ-1.20`, `REQ-1.2.3` or `xREQ-1.2`; a full stop after the ID ends a sentence.
    """
    as_name = requirement_id.lower().replace("-", "_").replace(".", "_")
    return re.compile(
        rf"(?<![A-Za-z0-9]){re.escape(requirement_id)}(?![0-9]|\.[0-9])"
        rf"|(?<![A-Za-z0-9])(?i:{re.escape(as_name)})(?![0-9])",
    )


def coverage(task: Task, workdir: Path, judged: Judged) -> list[RequirementCoverage]:
    """Evidence per requirement. Strong: a test that fails on the base code and passes with the
    change, linked to the requirement it names; one that names none counts for every requirement of
    the task (it proves the task's change, which a task's requirements share).
    A test that only names the ID is weak evidence: `def test_req_1_1(): pass` proves nothing."""
    mentions = _mentions(task, workdir)
    fail_to_pass_ids = judged.tests.fail_to_pass if judged.tests else []
    all_passed = bool(judged.checks) and all(c.passed for c in judged.checks)
    found: list[RequirementCoverage] = []
    patterns = {req: requirement_pattern(req) for req in task.requirement_ids}
    # A fail-to-pass test that names no requirement proves the task's change, not one of them.
    unnamed = [i for i in fail_to_pass_ids if not any(p.search(i) for p in patterns.values())]
    for req in task.requirement_ids:
        pattern = patterns[req]
        linked = [i for i in fail_to_pass_ids if pattern.search(i)] + unnamed
        strong = [f"{i} fails on the base code and passes with the change" for i in linked[:10]]
        if not linked and judged.whole_check_fail_to_pass:
            strong = [
                f"check '{n}' fails on the base code with the change's tests and passes with the change"
                for n in judged.whole_check_fail_to_pass
            ]
        strength: Strength = "fail-to-pass" if strong else "named" if mentions[req] else "none"
        found.append(
            RequirementCoverage(
                requirement_id=req,
                covered=bool(strong) and all_passed,
                strength=strength,
                evidence=strong + mentions[req],
            )
        )
    return found


def coverage_reasons(items: Sequence[RequirementCoverage]) -> list[Reason]:
    found: list[Reason] = []
    weak = [c.requirement_id for c in items if not c.covered and c.strength == "named"]
    missing = [c.requirement_id for c in items if not c.covered and c.strength != "named"]
    if weak:
        found.append(reason("weak-evidence", "warn", weak))
    found += [reason("no-evidence", "warn", [req]) for req in missing]
    return found


def _mentions(task: Task, workdir: Path) -> dict[str, list[str]]:
    """Where a test file names each requirement (code only, never in a line comment)."""
    mentions: dict[str, list[str]] = {req: [] for req in task.requirement_ids}
    patterns = {req: requirement_pattern(req) for req in task.requirement_ids}
    tree = RepoTree(workdir)
    for path in (p for p in _test_files(workdir) if language_for_path(p) is not None):
        # Only regular files inside the tree: a test "file" linked to a secret elsewhere or
        # to /dev/zero must give no evidence and cost nothing.
        try:
            text = tree.read_text(path, _MAX_TEST_FILE_BYTES, errors="replace")
        except UnreadableError:
            continue
        for req, pattern in patterns.items():
            match = next((m for m in pattern.finditer(text) if not _in_comment(text, m.start())), None)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                mentions[req].append(f"{path}:{line} names {req}")
    return mentions


_COMMENT_MARKERS = ("#", "//")


def _in_comment(text: str, offset: int) -> bool:
    """Whether the mention sits in a line comment (`# TODO REQ-1.1`): a comment proves nothing."""
    line = text[text.rfind("\n", 0, offset) + 1 : offset]
    return any(marker in line for marker in _COMMENT_MARKERS) and not any(q in line for q in "\"'")


def _test_files(workdir: Path) -> list[str]:
    repo = open_repo(workdir)
    try:
        output = repo.git.ls_files("--cached", "--others", "--exclude-standard", "-z")
    finally:
        repo.close()
    return [p for p in output.split("\0") if p and is_test_path(p) and not p.startswith(".codecot/")]
