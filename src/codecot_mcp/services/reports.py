"""Tests as evidence: a check that runs tests is judged by its runner's report, not its exit code alone.

The change under judgement controls the test code, so an exit code of 0 proves little: a
hook can call `os._exit(0)` after the failures were printed, or set node's
`process.exitCode = 0` on exit, and a run that collects nothing exits 0 on some setups.
For a check whose runner Codecot knows (`report_kind`), it asks for a structured report in
a folder outside the tree the check runs in (`report_request`), reads it with
`intel/testreport.py`, and fails the check when the report is missing or cut short,
collected no test, or holds a failure or an error, whatever the exit code
(`judged_by_report`).

The runners, told apart by the command alone:

- pytest (`pytest ...`, `py.test ...`, `python -m pytest ...`): `--junitxml=` a file in the
  folder, appended.
- `go test ...`: `-json` inserted after `test` when the command does not ask for it; the
  events are the check's output, which the check runner keeps whole in the folder
  (`run_check(stdout_to=...)`), with only its tail shown.
- node's runner (`node [options] --test ...`): its TAP reporter to a file in the folder,
  put first among node's options so that it pairs with its own destination, and the spec
  reporter on stdout for the person unless the command names reporters of its own. node
  reports a test file that told it of no test (it ended the process while its tests ran,
  or does not use `node:test`) as one case named by the file's absolute path: that case is
  an error, named by the file's path in the tree, since a file that collects nothing is
  not a pass either. A file that ends the process after some of its tests reported loses
  the rest without a trace in node 20's report (no case stands for it); only the base's
  version of an edited test file, run on the change, shows them missing. node's ids are
  test names nested by `describe`, without the file.
- `cargo test ... -- ... --format json` (libtest's JSON, nightly only, with
  `-Z unstable-options`): the output is kept whole as for go, and `--no-fail-fast` is added
  so that a failing test binary does not stop the ones after it (their tests would be
  missing from the base's run, and then count as fail-to-pass). Without `--format json`
  cargo is judged by its exit code: stable libtest writes no structured report.

Everything else is judged by its exit code: a package script (`npm test`, `yarn test`: what
it runs is in package.json, which the change controls, so the command says nothing sound
about the runner), `npx ...`, jest (its JUnit report needs the jest-junit package), vitest,
unittest, `cargo nextest` (its libtest JSON needs an experimental variable the check's
environment does not pass).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from codecot_mcp.domain.models import CheckResult
from codecot_mcp.errors import CodecotError
from codecot_mcp.intel.testreport import (
    MAX_REPORT_BYTES,
    CaseResult,
    ReportKind,
    TestReport,
    build_report,
    parse_report,
)

Runner = Literal["pytest", "go", "node", "cargo"]
REPORT_FORMATS: dict[Runner, ReportKind] = {"pytest": "pytest", "go": "go", "node": "tap", "cargo": "cargo"}
REPORT_NAMES: dict[Runner, str] = {
    "pytest": "report.xml",
    "go": "output.jsonl",
    "node": "report.tap",
    "cargo": "output.jsonl",
}
_PYTEST_PROGRAMS = frozenset({"pytest", "py.test"})
_NODE_PROGRAMS = frozenset({"node", "nodejs"})
_GO_JSON = frozenset({"-json", "--json", "-json=true", "--json=true"})
# node options that take their value as the next argument; any other option must use `=`
# for a `--test` after it to be seen (the next argument would be read as the script).
_NODE_VALUE_OPTIONS = frozenset(
    {
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "-C",
        "--conditions",
        "--env-file",
        "--test-reporter",
        "--test-reporter-destination",
        "--test-name-pattern",
        "--test-skip-pattern",
        "--test-concurrency",
        "--test-timeout",
        "--test-shard",
    }
)
_NO_TEST_IN_FILE = (
    "the file told node's runner of no test: it ended the process while its tests ran, "
    "or does not use node:test"
)


@dataclass(frozen=True)
class ReportRequest:
    """How a check is run for its report: `argv` asks for it, and it is read from `path`.

    `from_output`: the report is the check's output, to be kept whole at `path`
    (`run_check(stdout_to=request.stdout_to)`). `tree` is where the check runs, which node's
    ids are made relative to.
    """

    runner: Runner
    argv: list[str]
    path: Path
    tree: Path
    from_output: bool = False

    @property
    def stdout_to(self) -> Path | None:
        return self.path if self.from_output else None


def report_kind(argv: list[str]) -> Runner | None:
    """The runner of a check whose report Codecot reads (see the module docstring), else None."""
    if not argv:
        return None
    program = os.path.basename(argv[0])
    if program in _PYTEST_PROGRAMS or ("-m", "pytest") in itertools.pairwise(argv):
        return "pytest"
    if program == "go" and argv[1:2] == ["test"]:
        return "go"
    if program in _NODE_PROGRAMS and _node_test_at(argv) is not None:
        return "node"
    if program == "cargo" and _cargo_test_at(argv) is not None and _asks_libtest_json(argv):
        return "cargo"
    return None


def report_request(argv: list[str], folder: Path, tree: Path) -> ReportRequest | None:
    """The check's command asking for its runner's report in `folder` (outside `tree`, where
    the check runs), or None for a command whose runner Codecot does not read."""
    runner = report_kind(argv)
    if runner is None:
        return None
    path = folder / REPORT_NAMES[runner]
    if runner == "pytest":
        return ReportRequest(runner, [*argv, f"--junitxml={path}"], path, tree)
    if runner == "node":
        return ReportRequest(runner, _node_argv(argv, path), path, tree)
    asked = _go_argv(argv) if runner == "go" else _cargo_argv(argv)
    return ReportRequest(runner, asked, path, tree, from_output=True)


def _go_argv(argv: list[str]) -> list[str]:
    """`go test` asking for JSON events, unless its own flags (before `-args`) already do."""
    go_args = next((argv[:i] for i, a in enumerate(argv) if a in ("-args", "--args")), argv)
    return argv if _GO_JSON & set(go_args) else [*argv[:2], "-json", *argv[2:]]


def _cargo_argv(argv: list[str]) -> list[str]:
    """`cargo test` running every test binary, even after one failed."""
    cargo_args = argv[: argv.index("--")] if "--" in argv else argv
    if "--no-fail-fast" in cargo_args:
        return argv
    at = 2 if argv[1].startswith("+") else 1  # `test`, as report_kind found it
    return [*argv[: at + 1], "--no-fail-fast", *argv[at + 1 :]]


def _node_test_at(argv: list[str]) -> int | None:
    """Where `--test` is among node's own options (before the first script or test file)."""
    position = 1
    while position < len(argv) and argv[position].startswith("-"):
        if argv[position] == "--test":
            return position
        position += 2 if argv[position] in _NODE_VALUE_OPTIONS else 1
    return None


def _node_argv(argv: list[str], path: Path) -> list[str]:
    """node's command with its TAP reporter first, paired with the first destination.

    node pairs reporters and destinations by their order, and requires as many of each
    once there is more than one reporter: a single reporter of the command without a
    destination wrote to stdout, and is given stdout to keep doing so.
    """
    ours = ["--test-reporter=tap", f"--test-reporter-destination={path}"]
    reporters, destinations = _node_reporters(argv)
    if reporters == 0:
        ours += ["--test-reporter=spec", "--test-reporter-destination=stdout"]
    elif reporters == 1 and destinations == 0:
        ours += ["--test-reporter-destination=stdout"]
    return [argv[0], *ours, *argv[1:]]


def _node_reporters(argv: list[str]) -> tuple[int, int]:
    """How many reporters and destinations the command names among node's options."""
    position = 1
    reporters = destinations = 0
    while position < len(argv) and argv[position].startswith("-"):
        arg = argv[position]
        reporters += _is_option(arg, "--test-reporter")
        destinations += _is_option(arg, "--test-reporter-destination")
        position += 2 if arg in _NODE_VALUE_OPTIONS else 1
    return reporters, destinations


def _is_option(arg: str, name: str) -> bool:
    return arg == name or arg.startswith(name + "=")


def _cargo_test_at(argv: list[str]) -> int | None:
    """Where `test` is in `cargo [+toolchain] test ...`."""
    at = 2 if argv[1:2] and argv[1].startswith("+") else 1
    return at if argv[at : at + 1] == ["test"] else None


def _asks_libtest_json(argv: list[str]) -> bool:
    if "--" not in argv:
        return False
    libtest = argv[argv.index("--") + 1 :]
    return "--format=json" in libtest or ("--format", "json") in itertools.pairwise(libtest)


def judged_by_report(result: CheckResult, request: ReportRequest) -> tuple[CheckResult, TestReport | None]:
    """The check's result with its test counts, failed when the report does not show a clean run,
    and the report itself when it could be read."""
    if result.timed_out:
        return result, None
    failure, report = _read(request)
    counts = {str(outcome): count for outcome, count in report.counts.items()} if report else None
    if failure is None and counts is not None:
        if sum(counts.values()) == 0:
            failure = "the run collected no test"
        elif counts.get("failed", 0) + counts.get("error", 0):
            failure = (
                f"{counts.get('failed', 0)} failed and {counts.get('error', 0)} errors in the test report"
            )
    if failure is None:
        return result.model_copy(update={"tests": counts}), report
    return failed(result.model_copy(update={"tests": counts}), failure), report


def failed(result: CheckResult, failure: str) -> CheckResult:
    """`result` failed for `failure`, which is also appended to its output."""
    note = f"\n[codecot] {failure} (exit code {result.exit_code})"
    return result.model_copy(
        update={"passed": False, "failure": failure, "output_tail": result.output_tail + note}
    )


def _read(request: ReportRequest) -> tuple[str | None, TestReport | None]:
    try:
        with request.path.open("rb") as file:  # an output kept whole can be large: read no more than needed
            data = file.read(MAX_REPORT_BYTES + 1)
    except OSError:
        return "the check wrote no test report", None
    try:
        report = parse_report(REPORT_FORMATS[request.runner], data)
    except CodecotError as exc:
        return f"the test report could not be read ({exc.message})", None
    if request.runner == "node":
        report = _node_files(report, request.tree)
    return (None if report.complete else "the test report is cut short"), report


def _node_files(report: TestReport, tree: Path) -> TestReport:
    """node's report with ids free of the tree's absolute path, so runs in different snapshots
    compare, and each case that stands for a whole file (a test file that told the runner of
    no test) an error unless it failed already."""
    prefixes = tuple(dict.fromkeys(f"{folder}{os.sep}" for folder in (tree, tree.resolve())))
    cases: list[CaseResult] = []
    for case in report.cases:
        relative = next((case.id[len(p) :] for p in prefixes if case.id.startswith(p)), None)
        if relative is None:
            cases.append(case)
            continue
        update: dict[str, object] = {"id": relative, "file": relative.split("::", 1)[0]}
        if "::" not in relative and case.outcome != "failed":  # the file itself, not a test in it
            update |= {"outcome": "error", "name": relative, "message": _NO_TEST_IN_FILE}
        cases.append(case.model_copy(update=update))
    return build_report(report.kind, cases, complete=report.complete)
