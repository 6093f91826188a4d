"""Runners other than pytest are judged test by test from their reports: go test, node's runner, cargo.

node's runner is run for real (node 20 here). go is not installed and stable cargo writes no
libtest JSON, so both are played by FAKE_RUNNER, a script installed as `go` and `cargo`: it
runs the tree's Python test functions and writes what the real tool writes for them (go's
test2json events, libtest's JSON, the tools' plain text without the flags), so the check's
command, the flags Codecot adds, the kept output and the reading of it are all the real path.
Each attack has an honest control beside it; the evidence tests validate a change end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codecot_mcp.domain.models import CheckResult, Validation
from codecot_mcp.intel.testreport import TestReport
from codecot_mcp.services.checks import run_check
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK, VALIDATE_CHANGE
from codecot_mcp.services.reports import judged_by_report, report_request
from codecot_mcp.services.workspace import Workspace
from tests.conftest import MakeRepo, write_files

FAKE_RUNNER = textwrap.dedent(
    '''\
    """`go test` or `cargo test`, by the name it runs as, over the tree's Python test functions:
    in each *_test.py, go runs Test* functions (a package per folder) and cargo test_* ones (a
    test binary per file). A test fails by raising, is skipped (t.Skip, #[ignore]) by raising
    unittest.SkipTest; a file's EXIT_CODE is the exit code, as a TestMain calling os.Exit sets it."""
    import importlib.util, json, os, re, sys, unittest
    from pathlib import Path

    TOOL, ARGS = os.path.basename(sys.argv[0]), sys.argv[1:]
    sys.path.insert(0, os.getcwd())


    def out(line):
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()


    def err(line):
        sys.stderr.write(line + "\\n")
        sys.stderr.flush()


    def load(path):
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(f"fake_{abs(hash(str(path)))}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


    def outcome(test):
        try:
            test()
        except unittest.SkipTest as skip:
            return "skip", str(skip)
        except Exception as exc:
            return "fail", f"{type(exc).__name__}: {exc}"
        return "pass", ""


    def files():
        return sorted(p for p in Path(".").rglob("*_test.py") if ".codecot" not in p.parts)


    def go():
        as_json = "-json" in ARGS
        pattern = re.compile(ARGS[ARGS.index("-run") + 1]) if "-run" in ARGS else None
        exit_code, forced = 0, None

        def event(action, package, test=None, output=None):
            fields = {"Time": "2026-01-01T00:00:00Z", "Action": action, "Package": package}
            fields.update({k: v for k, v in (("Test", test), ("Output", output)) if v is not None})
            if as_json:
                out(json.dumps(fields))
            elif output is not None:
                sys.stdout.write(output)
                sys.stdout.flush()

        folders = {}
        for path in files():
            folders.setdefault(path.parent, []).append(path)
        for folder, paths in sorted(folders.items()):
            package = "example.com/m" + ("" if str(folder) == "." else f"/{folder.as_posix()}")
            event("start", package)
            try:
                modules = [load(p) for p in paths]
            except Exception as exc:
                err(f"# {package}\\n{paths[0]}: {exc}")
                event("output", package, output=f"FAIL\\t{package} [build failed]\\n")
                event("fail", package)
                exit_code = 1
                continue
            failed = False
            for module in modules:
                forced = getattr(module, "EXIT_CODE", forced)
                for name, test in list(vars(module).items()):
                    wanted = name.startswith("Test") and callable(test)
                    if not wanted or pattern and not pattern.search(name):
                        continue
                    event("run", package, name)
                    event("output", package, name, f"=== RUN   {name}\\n")
                    result, message = outcome(test)
                    if message:
                        event("output", package, name, f"    {module.__file__}: {message}\\n")
                    event("output", package, name, f"--- {result.upper()}: {name} (0.00s)\\n")
                    event(result, package, name)
                    failed = failed or result == "fail"
            event("output", package, output="FAIL\\n" if failed else "PASS\\n")
            event("output", package, output=f"{'FAIL' if failed else 'ok  '}\\t{package}\\t0.01s\\n")
            event("fail" if failed else "pass", package)
            exit_code = exit_code or int(failed)
        return exit_code if forced is None else forced


    def cargo():
        libtest = ARGS[ARGS.index("--") + 1 :] if "--" in ARGS else []
        as_json = "--format=json" in libtest or "json" in libtest
        fail_fast = "--no-fail-fast" not in ARGS
        err("   Compiling calc v0.1.0")
        try:
            binaries = [(p, load(p)) for p in files()]
        except Exception as exc:
            err(f"error[E0425]: {exc}")
            err("error: could not compile `calc` (test) due to 1 previous error")
            return 101
        err("    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.01s")
        exit_code, forced = 0, None
        for path, module in binaries:
            forced = getattr(module, "EXIT_CODE", forced)
            err(f"     Running {path} (target/debug/deps/{path.stem}-0123456789abcdef)")
            tests = [(n, t) for n, t in vars(module).items() if n.startswith("test") and callable(t)]
            out(f'{{ "type": "suite", "event": "started", "test_count": {len(tests)} }}' if as_json else "")
            counts = {"ok": 0, "failed": 0, "ignored": 0}
            for name, test in tests:
                name = f"{path.stem}::{name}"
                if as_json:
                    out(json.dumps({"type": "test", "event": "started", "name": name}))
                result, message = outcome(test)
                event = {"pass": "ok", "fail": "failed", "skip": "ignored"}[result]
                counts[event] += 1
                if as_json:
                    line = {"type": "test", "name": name, "event": event}
                    if result == "fail":
                        line["stdout"] = f"thread '{name}' panicked at {path}:1:1:\\n{message}\\n"
                    out(json.dumps(line))
                else:
                    out(f"test {name} ... {event}")
            summary = {"passed": counts["ok"], "failed": counts["failed"], "ignored": counts["ignored"]}
            verdict = "failed" if counts["failed"] else "ok"
            if as_json:
                summary.update(measured=0, filtered_out=0)
                out(json.dumps({"type": "suite", "event": verdict, **summary}))
            else:
                out(f"test result: {verdict}. {counts['ok']} passed; {counts['failed']} failed")
            if counts["failed"]:
                exit_code = 101
                err(f"error: test failed, to rerun pass `--test {path.stem}`")
                if fail_fast:
                    break
        return exit_code if forced is None else forced


    sys.exit(go() if TOOL == "go" else cargo())
    '''
)

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    """The folder of the fake `go` and `cargo` (outside any tree a check runs in)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("go", "cargo"):
        (folder / name).write_text(f"#!{sys.executable}\n{FAKE_RUNNER}", encoding="utf-8")
        (folder / name).chmod(0o755)
    return folder


def _judge(
    tmp_path: Path, files: dict[str, str], argv: list[str], max_output: int = 65536
) -> tuple[CheckResult, CheckResult, TestReport | None]:
    """The check's raw result, its result judged by the report, and the report."""
    tree, folder = tmp_path / "tree", tmp_path / "report"
    write_files(tree, files)
    folder.mkdir()
    asked = report_request(argv, folder, tree)
    assert asked is not None
    raw = run_check("tests", asked.argv, tree, 60, max_output, stdout_to=asked.stdout_to)
    judged, report = judged_by_report(raw, asked)
    return raw, judged, report


# --------------------------------------------------------------------------- node, for real

NODE_TESTS = textwrap.dedent(
    """\
    const test = require('node:test');
    const assert = require('node:assert');
    test('adds', () => { assert.strictEqual(1 + 1, 2); });
    test.describe('group', () => {
      test.it('inner', () => {});
      test.it('later', () => {});
    });
    """
)
NODE_FAILING = NODE_TESTS + "test('broken', () => { assert.strictEqual(1, 2); });\n"
EXIT_ZERO_HOOK = "process.on('exit', () => { process.exitCode = 0; });\n"


@needs_node
def test_an_honest_node_run_passes_with_its_counts_and_shows_its_output(tmp_path: Path) -> None:
    raw, judged, report = _judge(tmp_path, {"test/a.test.js": NODE_TESTS}, ["node", "--test"])
    assert raw.exit_code == 0 and judged.passed and judged.failure is None
    assert judged.tests is not None and judged.tests["passed"] == 3
    assert report is not None and set(report.outcomes()) == {"adds", "group::inner", "group::later"}
    assert "✔ adds" in judged.output_tail  # the spec reporter on stdout, for the person


@needs_node
def test_a_node_hook_that_exits_zero_after_a_failure_does_not_pass(tmp_path: Path) -> None:
    files = {"test/a.test.js": NODE_FAILING, "setup.cjs": EXIT_ZERO_HOOK}
    raw, judged, report = _judge(tmp_path, files, ["node", "--require", "./setup.cjs", "--test"])
    assert raw.exit_code == 0  # the exit code alone would have passed it
    assert not judged.passed and judged.failure == "1 failed and 0 errors in the test report"
    assert report is not None and report.outcomes()["broken"] == "failed"


@needs_node
def test_the_same_hook_without_a_failure_passes(tmp_path: Path) -> None:
    files = {"test/a.test.js": NODE_TESTS, "setup.cjs": EXIT_ZERO_HOOK}
    _, judged, _ = _judge(tmp_path, files, ["node", "--require", "./setup.cjs", "--test"])
    assert judged.passed, judged.output_tail


@needs_node
def test_a_node_run_that_finds_no_test_does_not_pass(tmp_path: Path) -> None:
    raw, judged, _ = _judge(tmp_path, {"lib.js": "module.exports = 1;\n"}, ["node", "--test"])
    assert raw.exit_code == 0 and not judged.passed and judged.failure == "the run collected no test"


@needs_node
def test_a_node_test_file_that_ends_the_process_mid_run_is_an_error(tmp_path: Path) -> None:
    """node reports such a file as one passing case named by its absolute path, its tests unsaid."""
    exits = NODE_FAILING.replace("test('adds', () => {", "test('adds', () => { process.exit(0);")
    raw, judged, report = _judge(
        tmp_path, {"test/a.test.js": exits, "test/b.test.js": NODE_TESTS}, ["node", "--test"]
    )
    assert raw.exit_code == 0 and not judged.passed
    assert report is not None and report.outcomes()["test/a.test.js"] == "error"
    assert str(tmp_path) not in "".join(report.outcomes())  # ids compare across snapshots


@needs_node
def test_a_node_command_with_its_own_reporter_is_still_read(tmp_path: Path) -> None:
    argv = ["node", "--test-reporter", "dot", "--test"]
    raw, judged, _ = _judge(tmp_path, {"test/a.test.js": NODE_FAILING}, argv)
    assert raw.exit_code == 1 and not judged.passed and judged.tests is not None
    assert judged.tests["failed"] == 1 and judged.tests["passed"] == 3


# --------------------------------------------------------------------------- go, played by the fake

GO_TESTS = textwrap.dedent(
    """\
    import unittest


    def TestAdd():
        assert 1 + 1 == 2


    def TestSlow():
        raise unittest.SkipTest("skipping in short mode")
    """
)
GO_FAILING = GO_TESTS + "\n\ndef TestBroken():\n    assert 1 == 2, 'one is not two'\n"


def test_an_honest_go_run_is_read_from_its_json_events(tmp_path: Path, tools: Path) -> None:
    raw, judged, report = _judge(
        tmp_path, {"calc/calc_test.py": GO_TESTS}, [str(tools / "go"), "test", "./..."]
    )
    assert raw.exit_code == 0 and judged.passed
    assert judged.tests is not None and judged.tests["passed"] == 1 and judged.tests["skipped"] == 1
    assert report is not None and report.outcomes() == {
        "example.com/m/calc::TestAdd": "passed",
        "example.com/m/calc::TestSlow": "skipped",
    }


def test_a_go_test_main_that_exits_zero_after_a_failure_does_not_pass(tmp_path: Path, tools: Path) -> None:
    files = {"calc/calc_test.py": GO_FAILING + "\n\nEXIT_CODE = 0\n"}
    raw, judged, report = _judge(tmp_path, files, [str(tools / "go"), "test", "./..."])
    assert raw.exit_code == 0 and not judged.passed
    assert judged.failure == "1 failed and 0 errors in the test report"
    assert report is not None and "one is not two" in report.cases[-1].message


def test_a_go_run_that_runs_no_test_does_not_pass(tmp_path: Path, tools: Path) -> None:
    argv = [str(tools / "go"), "test", "-run", "Nothing", "./..."]
    raw, judged, _ = _judge(tmp_path, {"calc/calc_test.py": GO_TESTS}, argv)
    assert raw.exit_code == 0 and not judged.passed and judged.failure == "the run collected no test"


def test_a_go_test_that_ends_the_process_leaves_a_report_cut_short(tmp_path: Path, tools: Path) -> None:
    exits = GO_TESTS.replace("assert 1 + 1 == 2", "import os\n    os._exit(0)")
    raw, judged, _ = _judge(tmp_path, {"calc/calc_test.py": exits}, [str(tools / "go"), "test", "./..."])
    assert raw.exit_code == 0 and not judged.passed and judged.failure == "the test report is cut short"


def test_go_events_past_the_output_cap_are_all_read(tmp_path: Path, tools: Path) -> None:
    """Only the output's tail is kept for the result; the report is the whole output."""
    many = "".join(f"\n\ndef Test{n}():\n    print('x' * 200)\n" for n in range(300))
    raw, judged, report = _judge(
        tmp_path, {"calc/calc_test.py": GO_TESTS + many}, [str(tools / "go"), "test", "./..."], 4096
    )
    assert judged.passed and report is not None and report.counts["passed"] == 301
    assert len(raw.output_tail) < 4096 + 200 and "output cut: last 4096 of" in raw.output_tail


def test_go_without_json_events_would_have_nothing_to_read(tmp_path: Path, tools: Path) -> None:
    """The control for the flag: the fake, like go, writes plain text unless asked for -json."""
    write_files(tmp_path, {"calc/calc_test.py": GO_TESTS})
    plain = subprocess.run(
        [tools / "go", "test", "./..."], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "--- PASS: TestAdd" in plain.stdout and "{" not in plain.stdout


# --------------------------------------------------------------------------- cargo, played by the fake

CARGO = ["test", "--", "-Z", "unstable-options", "--format", "json"]
CARGO_TESTS = (
    "import unittest\n\n\ndef test_works():\n    pass\n\n\ndef test_slow():\n    raise unittest.SkipTest\n"
)
CARGO_FAILING = CARGO_TESTS + "\n\ndef test_fails():\n    assert False, 'sum is off'\n"


def test_an_honest_cargo_run_is_read_from_libtest_json(tmp_path: Path, tools: Path) -> None:
    raw, judged, report = _judge(
        tmp_path, {"tests/calc_test.py": CARGO_TESTS}, [str(tools / "cargo"), *CARGO]
    )
    assert raw.exit_code == 0 and judged.passed
    assert report is not None and report.outcomes() == {
        "calc_test::test_works": "passed",
        "calc_test::test_slow": "skipped",
    }


def test_a_failing_cargo_test_binary_does_not_hide_the_ones_after_it(tmp_path: Path, tools: Path) -> None:
    files = {"tests/a_test.py": CARGO_FAILING, "tests/b_test.py": CARGO_TESTS}
    raw, judged, report = _judge(tmp_path, files, [str(tools / "cargo"), *CARGO])
    assert raw.exit_code == 101 and not judged.passed
    assert report is not None and "b_test::test_works" in report.outcomes()  # --no-fail-fast was added
    assert report.outcomes()["a_test::test_fails"] == "failed"


def test_a_cargo_run_that_exits_zero_after_a_failure_does_not_pass(tmp_path: Path, tools: Path) -> None:
    files = {"tests/a_test.py": CARGO_FAILING + "\n\nEXIT_CODE = 0\n"}
    raw, judged, _ = _judge(tmp_path, files, [str(tools / "cargo"), *CARGO])
    assert raw.exit_code == 0 and not judged.passed
    assert judged.failure == "1 failed and 0 errors in the test report"


def test_a_cargo_test_that_ends_the_process_leaves_a_report_cut_short(tmp_path: Path, tools: Path) -> None:
    exits = CARGO_TESTS.replace(
        "def test_works():\n    pass", "def test_works():\n    import os\n    os._exit(0)"
    )
    raw, judged, _ = _judge(tmp_path, {"tests/a_test.py": exits}, [str(tools / "cargo"), *CARGO])
    assert raw.exit_code == 0 and not judged.passed and judged.failure == "the test report is cut short"


def test_a_cargo_build_failure_collects_no_test(tmp_path: Path, tools: Path) -> None:
    raw, judged, _ = _judge(
        tmp_path, {"tests/a_test.py": "from calc import missing\n"}, [str(tools / "cargo"), *CARGO]
    )
    assert raw.exit_code == 101 and not judged.passed and judged.failure == "the run collected no test"


# --------------------------------------------------------------------------- evidence, end to end


def _validate(root: Path, allowed: list[str], files: dict[str, str]) -> Validation:
    """Scope a task for the bug, write the change's `files`, validate the working tree."""
    ws = Workspace(root)
    try:
        intent = CAPTURE_INTENT.invoke(ws, discussion="alice: We need `add` to return the sum.").intent
        spec = DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec
        task = SCOPE_TASK.invoke(ws, spec_id=spec.id, allowed_paths=allowed).tasks[0]
        write_files(root, files)
        return VALIDATE_CHANGE.invoke(ws, task_id=task.id).validation
    finally:
        ws.close()


def _codes(validation: Validation) -> list[str]:
    return [r.code for r in validation.reasons]


def _config(argv: list[str]) -> str:
    return "[checks]\ntests = [" + ", ".join(json.dumps(part) for part in argv) + "]\n"


JS_BUGGY = "exports.add = (a, b) => a - b;\nexports.sub = (a, b) => a - b;\n"
JS_FIXED = "exports.add = (a, b) => a + b;\nexports.sub = (a, b) => a - b;\n"
JS_BROKEN_SUB = "exports.add = (a, b) => a + b;\nexports.sub = (a, b) => 0;\n"
JS_HEAD = (
    "const test = require('node:test');\nconst assert = require('node:assert');\n"
    "const { add, sub } = require('../calc.js');\n"
)
JS_SUB = "test('sub subtracts', () => { assert.strictEqual(sub(3, 1), 2); });\n"
JS_ADD = "test('add sums', () => { assert.strictEqual(add(1, 2), 3); });\n"
JS_PATHS = ["calc.js", "test/calc.test.js"]


def _node_repo(make_repo: MakeRepo, extra: dict[str, str] | None = None) -> Path:
    files = {
        "calc.js": JS_BUGGY,
        "test/calc.test.js": JS_HEAD + JS_SUB,
        ".codecot/config.toml": _config(["node", "--test"]),
    }
    return make_repo({**files, **(extra or {})})


@needs_node
def test_an_honest_node_fix_with_a_new_test_shows_fail_to_pass(make_repo: MakeRepo) -> None:
    change = {"calc.js": JS_FIXED, "test/calc.test.js": JS_HEAD + JS_SUB + JS_ADD}
    validation = _validate(_node_repo(make_repo), JS_PATHS, change)
    assert validation.verdict == "pass", validation.reasons
    assert validation.tests is not None and validation.tests.fail_to_pass == ["add sums"]
    assert validation.coverage[0].strength == "fail-to-pass"


@needs_node
def test_a_skipped_base_node_test_is_caught(make_repo: MakeRepo) -> None:
    skipped = JS_HEAD + JS_SUB.replace("test(", "test.skip(") + JS_ADD
    validation = _validate(
        _node_repo(make_repo), JS_PATHS, {"calc.js": JS_BROKEN_SUB, "test/calc.test.js": skipped}
    )
    assert validation.verdict == "fail" and "tests-skipped" in _codes(validation), validation.reasons
    assert validation.tests is not None and validation.tests.skipped == ["sub subtracts"]


@needs_node
def test_a_deleted_base_node_test_is_caught(make_repo: MakeRepo) -> None:
    change = {"calc.js": JS_BROKEN_SUB, "test/calc.test.js": JS_HEAD + JS_ADD}
    validation = _validate(_node_repo(make_repo), JS_PATHS, change)
    assert validation.verdict == "fail" and "tests-removed" in _codes(validation)
    assert validation.tests is not None and validation.tests.removed == ["sub subtracts"]


@needs_node
def test_a_weakened_node_assertion_is_caught_by_the_base_version(make_repo: MakeRepo) -> None:
    weakened = (
        JS_HEAD
        + JS_SUB.replace("assert.strictEqual(sub(3, 1), 2)", "assert.ok(sub(3, 1) !== undefined)")
        + JS_ADD
    )
    validation = _validate(
        _node_repo(make_repo), JS_PATHS, {"calc.js": JS_BROKEN_SUB, "test/calc.test.js": weakened}
    )
    assert validation.verdict == "fail" and "base-tests-fail" in _codes(validation)
    assert validation.tests is not None and validation.tests.base_tests_failing == ["sub subtracts"]


@needs_node
def test_a_node_test_made_to_fail_on_the_base_too_is_not_excused(make_repo: MakeRepo) -> None:
    """node's ids name no file, so any failing test is checked against the base as it was."""
    made_to_fail = JS_HEAD + JS_SUB.replace("), 2)", "), 5)") + JS_ADD
    validation = _validate(
        _node_repo(make_repo), JS_PATHS, {"calc.js": JS_BROKEN_SUB, "test/calc.test.js": made_to_fail}
    )
    assert validation.verdict == "fail" and "check-failed" in _codes(validation)
    assert validation.tests is not None and validation.tests.failing_at_base == []


@needs_node
def test_a_node_test_failing_on_the_base_as_it_was_does_not_fail_an_honest_fix(make_repo: MakeRepo) -> None:
    unrelated = JS_HEAD + "test('unrelated', () => { assert.strictEqual(1, 2); });\n"
    root = _node_repo(make_repo, {"test/other.test.js": unrelated})
    validation = _validate(
        root, JS_PATHS, {"calc.js": JS_FIXED, "test/calc.test.js": JS_HEAD + JS_SUB + JS_ADD}
    )
    assert validation.verdict == "pass", validation.reasons
    assert validation.tests is not None and validation.tests.failing_at_base == ["unrelated"]


PY_BUGGY = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
PY_FIXED = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
PY_BROKEN_SUB = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return 0\n"
GO_SUB = "import unittest\n\nfrom calc import add, sub\n\n\ndef TestSub():\n    assert sub(3, 1) == 2\n"
GO_ADD = "\n\ndef TestAdd():\n    assert add(1, 2) == 3\n"
GO_PATHS = ["calc/calc.py", "calc/calc_test.py"]


def _go_repo(make_repo: MakeRepo, tools: Path) -> Path:
    config = _config([str(tools / "go"), "test", "./..."])
    return make_repo({"calc/calc.py": PY_BUGGY, "calc/calc_test.py": GO_SUB, ".codecot/config.toml": config})


def test_an_honest_go_fix_with_a_new_test_shows_fail_to_pass(make_repo: MakeRepo, tools: Path) -> None:
    change = {"calc/calc.py": PY_FIXED, "calc/calc_test.py": GO_SUB + GO_ADD}
    validation = _validate(_go_repo(make_repo, tools), GO_PATHS, change)
    assert validation.verdict == "pass", validation.reasons
    assert validation.tests is not None and validation.tests.fail_to_pass == ["example.com/m/calc::TestAdd"]


def test_a_skipped_or_deleted_base_go_test_is_caught(make_repo: MakeRepo, tools: Path) -> None:
    skipped = (
        GO_SUB.replace("    assert sub", "    raise unittest.SkipTest('later')\n    assert sub") + GO_ADD
    )
    validation = _validate(
        _go_repo(make_repo, tools), GO_PATHS, {"calc/calc.py": PY_BROKEN_SUB, "calc/calc_test.py": skipped}
    )
    assert validation.verdict == "fail" and "tests-skipped" in _codes(validation), validation.reasons
    assert validation.tests is not None and validation.tests.skipped == ["example.com/m/calc::TestSub"]


def test_a_deleted_base_go_test_is_caught(make_repo: MakeRepo, tools: Path) -> None:
    only_new = "from calc import add\n" + GO_ADD
    root = _go_repo(make_repo, tools)
    validation = _validate(root, GO_PATHS, {"calc/calc.py": PY_BROKEN_SUB, "calc/calc_test.py": only_new})
    assert validation.verdict == "fail" and "tests-removed" in _codes(validation)
    assert validation.tests is not None and validation.tests.removed == ["example.com/m/calc::TestSub"]


def test_an_honest_cargo_fix_with_a_new_test_shows_fail_to_pass(make_repo: MakeRepo, tools: Path) -> None:
    tests = "from calc import add, sub\n\n\ndef test_sub():\n    assert sub(3, 1) == 2\n"
    config = _config([str(tools / "cargo"), *CARGO])
    root = make_repo({"calc.py": PY_BUGGY, "tests/calc_test.py": tests, ".codecot/config.toml": config})
    new = tests + "\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    validation = _validate(
        root, ["calc.py", "tests/calc_test.py"], {"calc.py": PY_FIXED, "tests/calc_test.py": new}
    )
    assert validation.verdict == "pass", validation.reasons
    assert validation.tests is not None and validation.tests.fail_to_pass == ["calc_test::test_add"]
