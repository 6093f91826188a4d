"""Test reports: pytest's JUnit XML is made here by running pytest on a throwaway folder;
the other runners' reports are files under data/testreports (its README says which are real)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel import testreport
from codecot_mcp.intel.testreport import (
    CaseResult,
    Outcome,
    TestReport,
    build_report,
    compare,
    fail_to_pass,
    parse_report,
)
from tests.conftest import deadline

DATA = Path(__file__).parent / "data" / "testreports"

SAMPLE = """
import pytest

def test_pass():
    pass

def test_fail():
    assert 1 == 2, "one is not two"

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_error(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skip():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.mark.xfail(reason="fixed already")
def test_xpass():
    pass

@pytest.mark.xfail(reason="must fail", strict=True)
def test_xpass_strict():
    pass

@pytest.mark.parametrize("value", ["a b", "ünï", "x::y", "dot.ted", "[br]"])
def test_param(value):
    assert value != "x::y"

@pytest.mark.parametrize("value", [pytest.param(1, id="with space::and colons")])
def test_named_param(value):
    pass

@pytest.fixture
def bad_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_fail_then_teardown_error(bad_teardown):
    assert False, "call failed"

def test_pass_then_teardown_error(bad_teardown):
    pass

class TestGroup:
    def test_in_class(self):
        pass

    class TestInner:
        def test_deep(self):
            pass
"""


def _write_project(root: Path) -> None:
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    tests = root / "tests"
    (tests / "sub").mkdir(parents=True)
    (tests / "test_sample.py").write_text(textwrap.dedent(SAMPLE), encoding="utf-8")
    (tests / "sub" / "test_nested.py").write_text("def test_nested():\n    pass\n", encoding="utf-8")
    (tests / "test_broken.py").write_text("import no_such_module_anywhere\n", encoding="utf-8")


def _pytest(root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--continue-on-collection-errors", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("junit")
    _write_project(root)
    _pytest(root, "-q", "--junitxml=xunit2.xml")
    _pytest(root, "-q", "--junitxml=xunit1.xml", "-o", "junit_family=xunit1")
    return root


@pytest.fixture(scope="module")
def collected_ids(project: Path) -> set[str]:
    """pytest's own node ids, to hold the ids read back from the XML against."""
    out = _pytest(project, "-q", "--collect-only")
    return {line for line in out.splitlines() if "::" in line}


@pytest.fixture(scope="module")
def pytest_report(project: Path) -> TestReport:
    return parse_report("pytest", (project / "xunit2.xml").read_bytes())


def _by_id(report: TestReport) -> dict[str, CaseResult]:
    return {case.id: case for case in report.cases}


# --- pytest, real output ---------------------------------------------------------------------


def test_pytest_ids_are_pytest_node_ids(pytest_report: TestReport, collected_ids: set[str]) -> None:
    ids = set(_by_id(pytest_report))
    assert ids == collected_ids | {"tests/test_broken.py"}
    assert "tests/test_sample.py::test_param[x::y]" in ids
    assert "tests/test_sample.py::test_named_param[with space::and colons]" in ids
    assert "tests/test_sample.py::TestGroup::TestInner::test_deep" in ids
    assert "tests/sub/test_nested.py::test_nested" in ids


def test_xunit1_reads_the_same_ids_and_keeps_the_file(project: Path, pytest_report: TestReport) -> None:
    xunit1 = parse_report("pytest", (project / "xunit1.xml").read_bytes())
    assert xunit1.outcomes() == pytest_report.outcomes()
    assert _by_id(xunit1)["tests/sub/test_nested.py::test_nested"].file == "tests/sub/test_nested.py"


def test_pytest_outcomes_and_messages(pytest_report: TestReport) -> None:
    cases = _by_id(pytest_report)
    expect: dict[str, Outcome] = {
        "test_pass": "passed",
        "test_fail": "failed",
        "test_error": "error",
        "test_skip": "skipped",
        "test_xfail": "xfail",
        "test_xpass": "passed",  # pytest's XML writes a non-strict XPASS as a pass
        "test_xpass_strict": "failed",
        "test_param[x::y]": "failed",
        "test_param[a b]": "passed",
        "test_fail_then_teardown_error": "failed",
        "test_pass_then_teardown_error": "error",
    }
    for name, outcome in expect.items():
        assert cases[f"tests/test_sample.py::{name}"].outcome == outcome, name
    assert cases["tests/test_broken.py"].outcome == "error"
    assert "one is not two" in cases["tests/test_sample.py::test_fail"].message
    assert cases["tests/test_sample.py::test_skip"].message == "not today"
    assert cases["tests/test_sample.py::test_xfail"].message == "known bug"
    assert "fixture broke" in cases["tests/test_sample.py::test_error"].message


def test_pytest_keeps_the_raw_classname_and_name(pytest_report: TestReport) -> None:
    case = _by_id(pytest_report)["tests/test_sample.py::TestGroup::TestInner::test_deep"]
    assert (case.classname, case.name, case.file) == (
        "tests.test_sample.TestGroup.TestInner",
        "test_deep",
        "tests/test_sample.py",
    )


def test_counts_add_up(pytest_report: TestReport) -> None:
    counts = pytest_report.counts
    assert sum(counts.values()) == pytest_report.collected == len(pytest_report.cases)
    assert (counts["failed"], counts["error"], counts["skipped"], counts["xfail"]) == (4, 3, 1, 1)


def test_repeats_of_an_id_keep_the_most_severe_outcome() -> None:
    cases = [CaseResult(id="a", outcome=o) for o in ("skipped", "passed", "failed", "error", "passed")]
    report = build_report("junit", cases)
    assert report.outcomes() == {"a": "failed"}
    assert report.collected == 1


def test_parsing_is_deterministic(project: Path, pytest_report: TestReport) -> None:
    again = parse_report("pytest", (project / "xunit2.xml").read_bytes())
    assert again == pytest_report


@pytest.mark.parametrize(
    ("classname", "name", "file", "expected"),
    [
        ("tests.test_x.TestA", "test_b[a.b::c d]", None, "tests/test_x.py::TestA::test_b[a.b::c d]"),
        ("test_x", "test_b", None, "test_x.py::test_b"),
        ("", "tests.test_broken", None, "tests/test_broken.py"),
        ("src.mod", "mod.func", None, "src/mod.py::mod.func"),  # a doctest
        ("pkg.Upper.TestA", "test_b", "pkg/Upper.py", "pkg/Upper.py::TestA::test_b"),
    ],
)
def test_pytest_node_id_undoes_pytests_mangling(
    classname: str, name: str, file: str | None, expected: str
) -> None:
    assert testreport.pytest_node_id(classname, name, file)[0] == expected


# --- other runners ---------------------------------------------------------------------------


def _read(kind: str, name: str) -> dict[str, CaseResult]:
    return _by_id(parse_report(kind, (DATA / name).read_bytes()))


def _outcomes(cases: dict[str, CaseResult]) -> dict[str, Outcome]:
    return {i: c.outcome for i, c in cases.items()}


def test_node_junit_nests_describe_blocks() -> None:
    cases = _read("junit", "node-junit.xml")
    assert _outcomes(cases) == {
        "test::adds numbers": "passed",
        "test::fails on purpose": "failed",
        "test::skipped one": "skipped",
        "test::todo one": "skipped",
        "math suite::test::nested pass": "passed",
        "math suite::test::nested fail": "failed",
    }
    assert cases["math suite::test::nested fail"].message == "boom <&> &quot;quoted&quot;"


def test_surefire() -> None:
    cases = _read("junit", "surefire.xml")
    assert _outcomes(cases) == {
        "com.example.CalcTest::adds()": "passed",
        "com.example.CalcTest::divides()": "failed",
        "com.example.CalcTest::readsFile()": "error",
        "com.example.CalcTest::later()": "skipped",
        "com.example.CalcTest::flaky()": "passed",
    }
    assert cases["com.example.CalcTest::divides()"].message == "expected: <2> but was: <3>"


def test_jest_junit_default_and_with_the_file_attribute() -> None:
    """jest-junit drops a test file that fails to load, and writes a todo as a plain pass."""
    default = _read("junit", "jest-junit.xml")
    assert _outcomes(default) == {
        "math adds": "passed",
        "math divides": "failed",
        "math later": "skipped",
        "math someday": "passed",
        "math nested param a b": "passed",
        "math nested param ünï": "passed",
        "math nested param x::y": "failed",
        "undefined::joins ünïcode": "passed",
    }
    assert default["math divides"].message.startswith("Error: expect(received).toBe(expected)")
    with_file = _read("junit", "jest-junit-file.xml")
    assert "src/math.test.js::math nested::param x::y" in with_file
    assert "src/strings.test.js::undefined::joins ünïcode" in with_file
    assert with_file["src/math.test.js::math::divides"].file == "src/math.test.js"


def test_go_test_json() -> None:
    """Real output: the panic ends the binary, so the parallel test paused before it never resumes."""
    cases = _read("go", "go-test.json")
    assert _outcomes(cases) == {
        "example.com/m/calc::TestAdd": "passed",
        "example.com/m/calc::TestDiv": "failed",
        "example.com/m/calc::TestDiv/by_zero": "failed",
        "example.com/m/calc::TestDiv/ünïcode": "passed",
        "example.com/m/calc::TestSlow": "skipped",
        "example.com/m/calc::TestParallel": "error",
        "example.com/m/calc::TestPanics": "failed",
    }
    assert cases["example.com/m/calc::TestDiv/by_zero"].message == "calc_test.go:13: want error, got 0"
    assert cases["example.com/m/calc::TestSlow"].message == "calc_test.go:19: skipping in short mode"
    assert "index out of range" in cases["example.com/m/calc::TestPanics"].message
    assert "never finished" in cases["example.com/m/calc::TestParallel"].message


def test_go_build_failure_and_a_test_without_a_result() -> None:
    """Hand-written: go 1.24's build-output and build-fail events, a test cut off by its binary."""
    cases = _read("go", "go-handwritten.json")
    assert _outcomes(cases) == {
        "example.com/calc::TestAdd": "passed",
        "example.com/calc::TestDiv": "failed",
        "example.com/calc::TestDiv/by_zero": "failed",
        "example.com/calc::TestDiv/ünïcode": "passed",
        "example.com/calc::TestSlow": "skipped",
        "example.com/calc::TestParallel": "passed",
        "example.com/calc::TestPanics": "error",
        "example.com/broken": "error",
    }
    assert "syntax error" in cases["example.com/broken"].message


def test_go_package_that_fails_after_passing_tests_is_an_error() -> None:
    events = [
        b'{"Action":"run","Package":"p","Test":"TestA"}',
        b'{"Action":"pass","Package":"p","Test":"TestA"}',
        b'{"Action":"output","Package":"p","Output":"exit status 3\\n"}',
        b'{"Action":"fail","Package":"p"}',
    ]
    report = parse_report("go", b"\n".join(events))
    assert report.outcomes() == {"p::TestA": "passed", "p": "error"}


def test_cargo_libtest_json() -> None:
    cases = _read("cargo", "cargo-libtest.json")
    assert _outcomes(cases) == {
        "tests::it_fails": "failed",
        "tests::it_works": "passed",
        "tests::nested::deep_ünïcode": "passed",
        "tests::panics_as_expected": "passed",
        "tests::slow_one": "skipped",
        "it_works": "passed",
    }
    assert "sum is off" in cases["tests::it_fails"].message
    assert cases["tests::slow_one"].message == "slow on CI"


def test_cargo_test_started_without_a_result_is_an_error_and_repeats_merge() -> None:
    lines = [
        b'{ "type": "suite", "event": "started", "test_count": 1 }',
        b'{ "type": "test", "event": "started", "name": "a" }',
        b'{ "type": "test", "name": "a", "event": "ok" }',
        b"running 1 test",
        b'{ "type": "suite", "event": "started", "test_count": 2 }',
        b'{ "type": "test", "event": "started", "name": "a" }',
        b'{ "type": "test", "name": "a", "event": "ok" }',
        b'{ "type": "test", "event": "started", "name": "dies" }',
    ]
    report = parse_report("cargo", b"\n".join(lines))
    assert report.outcomes() == {"a": "passed", "dies": "error"}
    assert not report.complete
    assert "never finished" in report.cases[-1].message


def test_nextest_libtest_json_ids_ignore_retries() -> None:
    """Hand-written from nextest's libtest-json writer: `crate::binary$test`, `#<tries>` on a retry."""
    lines = [
        b'{"type":"suite","event":"started","test_count":3,"nextest":{"crate":"ct","test_binary":"ct","kind":"lib"}}',
        b'{"type":"test","event":"started","name":"ct::ct$tests::flaky"}',
        b'{"type":"test","event":"ok","name":"ct::ct$tests::flaky#3","exec_time":0.01}',
        b'{"type":"test","event":"started","name":"ct::ct$tests::slow"}',
        b'{"type":"test","event":"failed","name":"ct::ct$tests::slow","reason":"time limit exceeded"}',
        b'{"type":"test","event":"ignored","name":"ct::ct$tests::later"}',
        b'{"type":"suite","event":"failed","passed":1,"failed":1,"ignored":1,"measured":0,"filtered_out":0}',
    ]
    cases = _by_id(parse_report("cargo", b"\n".join(lines)))
    assert _outcomes(cases) == {
        "ct::ct$tests::flaky": "passed",
        "ct::ct$tests::slow": "failed",
        "ct::ct$tests::later": "skipped",
    }
    assert cases["ct::ct$tests::slow"].message == "time limit exceeded"


def test_tap_from_node() -> None:
    cases = _read("tap", "node.tap")
    assert _outcomes(cases) == {
        "adds numbers": "passed",
        "fails on purpose": "failed",
        "skipped one": "skipped",
        "todo one": "xpass",
        "math suite::nested pass": "passed",
        "math suite::nested fail": "failed",
    }
    assert cases["skipped one"].message == "not today"
    assert cases["fails on purpose"].message == "Expected values to be strictly equal: 2 !== 3"
    assert cases["math suite::nested fail"].message == 'boom <&> "quoted"'


# Real output of `node --test --test-reporter=tap` (node 20) on four files: a.test.js passes a
# test then sets exitCode 3; b.test.js loads node:test and declares no test; c.test.js is a
# plain script; d.test.js ends the process in its first test, so its second never reports.
# node numbers a file's own case apart from the tests before it, and the top-level plan holds.
NODE_FILE_CASES = """\
TAP version 13
# Subtest: ok one
ok 1 - ok one
  ---
  duration_ms: 7.299652
  ...
# Subtest: /tmp/nt/test/a.test.js
not ok 1 - /tmp/nt/test/a.test.js
  ---
  duration_ms: 359.80195
  location: '/tmp/nt/test/a.test.js:1:1'
  failureType: 'testCodeFailure'
  exitCode: 3
  signal: ~
  error: 'test failed'
  code: 'ERR_TEST_FAILURE'
  ...
# Subtest: /tmp/nt/test/b.test.js
ok 2 - /tmp/nt/test/b.test.js
  ---
  duration_ms: 254.934039
  ...
# plain
# Subtest: /tmp/nt/test/c.test.js
ok 3 - /tmp/nt/test/c.test.js
  ---
  duration_ms: 264.021343
  ...
# Subtest: pass then exit
ok 5 - pass then exit
  ---
  duration_ms: 2.521946
  ...
1..5
# tests 5
# pass 4
# fail 1
"""


def test_tap_from_node_with_cases_that_stand_for_files() -> None:
    """The parser keeps what node said; services/reports.py makes the file cases errors."""
    report = parse_report("tap", NODE_FILE_CASES.encode())
    assert report.complete and report.outcomes() == {
        "ok one": "passed",
        "/tmp/nt/test/a.test.js": "failed",
        "/tmp/nt/test/b.test.js": "passed",
        "/tmp/nt/test/c.test.js": "passed",
        "pass then exit": "passed",
    }
    assert _by_id(report)["/tmp/nt/test/a.test.js"].message == "test failed"


def test_tap_todo_and_a_parent_that_failed_alone() -> None:
    tap = textwrap.dedent(
        """\
        TAP version 14
        not ok 1 - known bug # TODO fix later
          ---
          message: 'ok 7 - inside yaml is not a result'
          ...
            ok 1 - child
            1..1
        not ok 2 - group with a broken hook
        1..2
        """
    ).encode()
    report = parse_report("tap", tap)
    assert report.outcomes() == {
        "known bug": "xfail",
        "group with a broken hook::child": "passed",
        "group with a broken hook": "failed",
    }


@pytest.mark.parametrize(
    ("kind", "name", "cut_at"),
    [
        ("cargo", "cargo-libtest.json", "tests::slow_one"),
        ("go", "go-test.json", '"Test":"TestSlow"'),
        ("tap", "node.tap", "# Subtest: math suite"),
    ],
)
def test_a_stream_cut_short_is_incomplete(kind: str, name: str, cut_at: str) -> None:
    """What an exit in the middle of a run leaves: the tests after it are not in the report."""
    data = (DATA / name).read_bytes()
    assert parse_report(kind, data).complete
    line_start = data.rindex(b"\n", 0, data.index(cut_at.encode())) + 1
    cut = parse_report(kind, data[:line_start])
    assert not cut.complete
    assert cut.collected < parse_report(kind, data).collected


def test_tap_bail_out_and_a_missing_plan_are_incomplete() -> None:
    assert parse_report("tap", b"1..2\nok 1 - a\nok 2 - b\n").complete
    assert not parse_report("tap", b"ok 1 - a\nok 2 - b\n").complete
    assert not parse_report("tap", b"1..2\nok 1 - a\nBail out! database gone\n").complete


def test_junit_and_a_cargo_suite_that_closed_are_complete() -> None:
    assert parse_report("junit", (DATA / "surefire.xml").read_bytes()).complete
    lines = b'{ "type": "suite", "event": "started", "test_count": 0 }\n{ "type": "suite", "event": "ok" }'
    assert parse_report("cargo", lines).complete


# --- hostile and broken input ----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuites><testsuite name="s"><testcase name="&lol9;"/></testsuite></testsuites>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuites><testsuite name="s"><testcase name="&xxe;"/></testsuite></testsuites>
"""

DOCTYPE_ONLY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE testsuites SYSTEM "http://example.com/junit.dtd">\n<testsuites/>'
)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (BILLION_LAUGHS, "DTD"),
        (EXTERNAL_ENTITY, "DTD"),
        (DOCTYPE_ONLY, "DTD"),
        (b"<testsuites>" + b" " * (10 * 1024 * 1024) + b"</testsuites>", "limit"),
        (b"", "not well-formed"),
        (b"not xml at all", "not well-formed"),
        (b"<testsuites><testsuite name='s'><testcase name='a'>", "not well-formed"),
        (b'<?xml version="1.0" encoding="bogus"?><testsuites/>', "not well-formed"),
        (b"<html><testcase name='a'/></html>", "root"),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "doctype",
        "10MB",
        "empty",
        "text",
        "unclosed",
        "encoding",
        "root",
    ],
)
def test_hostile_or_broken_xml_is_a_clear_error(data: bytes, says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        parse_report("junit", data)


def test_truncated_real_report_is_a_clear_error(project: Path) -> None:
    data = (project / "xunit2.xml").read_bytes()
    with pytest.raises(InvalidInputError, match="not well-formed"):
        parse_report("pytest", data[: len(data) // 2])


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 50_000
    data = b"<testsuites>" + b"<testsuite>" * depth + b'<testcase name="deep"/>' + b"</testsuite>" * depth
    report = parse_report("junit", data + b"</testsuites>")
    assert report.outcomes() == {"deep": "passed"}


@pytest.mark.parametrize("kind", ["go", "cargo"])
def test_broken_json_line_is_a_clear_error(kind: str) -> None:
    with pytest.raises(InvalidInputError, match=r"line 2 .* broken JSON"):
        parse_report(kind, b'{"Action":"run"}\n{"Action": "pa')


def test_unknown_kind_and_too_many_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInputError, match="unknown report kind"):
        parse_report("nunit", b"<testsuites/>")
    with pytest.raises(InvalidInputError, match="over the 8-byte limit"):
        parse_report("tap", b"1..1\nok 1 - a\n", max_bytes=8)
    monkeypatch.setattr(testreport, "MAX_CASES", 2)
    with pytest.raises(InvalidInputError, match="over the limit"):
        parse_report("junit", b"<testsuite>" + b'<testcase name="a"/>' * 3 + b"</testsuite>")


def test_messages_are_truncated() -> None:
    data = b'<testsuite><testcase name="a"><failure message="' + b"x" * 5000 + b'"/></testcase></testsuite>'
    message = parse_report("junit", data).cases[0].message
    assert len(message) == testreport.MAX_MESSAGE_CHARS
    assert message.endswith("…")


LONG = 1_000_000


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("tap", b"ok 1 - a" + b" " * LONG + b"b\n"),
        ("tap", b"ok 1 - " + b"# " * LONG + b"x\n"),
        ("tap", b"not ok 1 - a\n  ---\n  message: a" + b" " * LONG + b"b\n  ...\n"),
        ("cargo", b'{"type":"test","event":"ok","name":"' + b"$" * LONG + b'"}'),
        ("go", b'{"Action":"output","Package":"p","Test":"T","Output":"' + b" " * LONG + b'x"}'),
    ],
    ids=["tap-spaces", "tap-hashes", "tap-yaml", "nextest-dollars", "go-output"],
)
def test_long_hostile_lines_parse_without_hanging(kind: str, data: bytes) -> None:
    """A pattern that backtracks would take hours on a line this long; the alarm only guards a hang."""
    with deadline(60):
        report = parse_report(kind, data)
    assert report.collected == len(report.cases) <= 1


REAL_REPORTS = [
    ("junit", "node-junit.xml"),
    ("junit", "surefire.xml"),
    ("junit", "jest-junit.xml"),
    ("go", "go-test.json"),
    ("go", "go-handwritten.json"),
    ("cargo", "cargo-libtest.json"),
    ("tap", "node.tap"),
]


@settings(max_examples=150, deadline=None)
@given(
    report=st.sampled_from(REAL_REPORTS),
    cut=st.integers(min_value=0, max_value=5000),
    noise=st.binary(max_size=64),
    kind=st.sampled_from(testreport.REPORT_KINDS),
)
def test_mangled_reports_parse_or_raise_invalid_input(
    report: tuple[str, str], cut: int, noise: bytes, kind: str
) -> None:
    """Cut, spliced with noise and read as any kind, a report parses or raises InvalidInputError."""
    data = (DATA / report[1]).read_bytes()
    at = cut % (len(data) + 1)
    with contextlib.suppress(InvalidInputError):
        parse_report(kind, data[:at] + noise + data[at:])


# --- compare and fail_to_pass ----------------------------------------------------------------


def _report(outcomes: dict[str, Outcome]) -> TestReport:
    return build_report("junit", [CaseResult(id=i, outcome=o, name=i) for i, o in outcomes.items()])


COMPARE_TABLE: list[tuple[str, dict[str, Outcome], dict[str, Outcome], dict[str, list[str]], bool]] = [
    ("unchanged", {"a": "passed", "b": "failed"}, {"a": "passed", "b": "failed"}, {}, False),
    ("deleted", {"a": "passed", "b": "failed"}, {"a": "passed"}, {"missing": ["b"]}, True),
    ("skipped by the change", {"a": "failed"}, {"a": "skipped"}, {"skipped": ["a"]}, False),
    ("marked xfail", {"a": "failed"}, {"a": "xfail"}, {"skipped": ["a"]}, False),
    ("xpass turned xfail", {"a": "xpass"}, {"a": "xfail"}, {"skipped": ["a"]}, False),
    ("already skipped", {"a": "skipped", "b": "xfail"}, {"a": "skipped", "b": "skipped"}, {}, False),
    (
        "regressions",
        {"a": "passed", "b": "passed"},
        {"a": "failed", "b": "error"},
        {"regressions": ["a", "b"]},
        False,
    ),
    ("still failing", {"a": "failed"}, {"a": "error"}, {}, False),
    ("fixed", {"a": "failed"}, {"a": "passed"}, {}, False),
    ("added", {"a": "passed"}, {"a": "passed", "b": "failed"}, {"new": ["b"]}, False),
    ("renamed", {"a": "failed"}, {"b": "passed"}, {"missing": ["a"], "new": ["b"]}, False),
    (  # a case inserted first: pytest renumbers the later ones, none is lost (sqlfluff-4778)
        "cases renumbered",
        {"t::f[x-out0]": "passed", "t::f[y-out1]": "passed"},
        {"t::f[new-out0]": "passed", "t::f[x-out1]": "passed", "t::f[y-out2]": "passed"},
        {"new": ["t::f[new-out0]", "t::f[x-out1]", "t::f[y-out2]"]},
        False,
    ),
    (  # renumbered, and a case taken out: that one is still missing
        "a case removed among renumbered ones",
        {"t::f[x-out0]": "passed", "t::f[y-out1]": "passed", "t::f[z-out2]": "passed"},
        {"t::f[new-out0]": "passed", "t::f[x-out1]": "passed", "t::f[y-out2]": "passed"},
        {"missing": ["t::f[z-out2]"], "new": ["t::f[new-out0]", "t::f[x-out1]", "t::f[y-out2]"]},
        False,
    ),
    (  # positional ids alone: two cases cut to one loses one, whichever
        "positional cases cut",
        {"t::f[out0]": "passed", "t::f[out1]": "passed"},
        {"t::f[out0]": "passed"},
        {"missing": ["t::f[out1]"]},
        True,
    ),
]


@pytest.mark.parametrize(
    ("base", "head", "expected", "fewer"),
    [row[1:] for row in COMPARE_TABLE],
    ids=[row[0] for row in COMPARE_TABLE],
)
def test_compare(
    base: dict[str, Outcome], head: dict[str, Outcome], expected: dict[str, list[str]], fewer: bool
) -> None:
    diff = compare(_report(base), _report(head))
    got = {"missing": diff.missing, "skipped": diff.skipped, "regressions": diff.regressions, "new": diff.new}
    assert got == {key: expected.get(key, []) for key in got}
    assert diff.fewer_collected is fewer
    assert (diff.base_collected, diff.head_collected) == (len(base), len(head))


def test_compare_real_reports_of_a_change_that_deletes_and_skips(
    project: Path, pytest_report: TestReport, tmp_path: Path
) -> None:
    head = tmp_path / "head"
    shutil.copytree(project, head)
    sample = head / "tests" / "test_sample.py"
    changed = sample.read_text(encoding="utf-8").replace('"a b", ', "")
    sample.write_text(
        changed.replace("def test_fail():", "@pytest.mark.skip\ndef test_fail():"), encoding="utf-8"
    )
    _pytest(head, "-q", "--junitxml=head.xml")
    diff = compare(pytest_report, parse_report("pytest", (head / "head.xml").read_bytes()))
    assert diff.missing == ["tests/test_sample.py::test_param[a b]"]
    assert diff.skipped == ["tests/test_sample.py::test_fail"]
    assert diff.fewer_collected
    assert diff.regressions == diff.new == []


FAIL_TO_PASS_TABLE: list[tuple[str, Outcome | None, Outcome | None, bool]] = [
    ("failed then passed", "failed", "passed", True),
    ("error then passed", "error", "passed", True),
    ("new test that passes", None, "passed", True),
    ("passed both times", "passed", "passed", False),
    ("still failing", "failed", "failed", False),
    ("gone after", "failed", None, False),
    ("skipped after", "failed", "skipped", False),
    ("xpass after", "failed", "xpass", False),
    ("skipped before", "skipped", "passed", False),
    ("xfail before", "xfail", "passed", False),
]


@pytest.mark.parametrize(
    ("before", "after", "counts"),
    [row[1:] for row in FAIL_TO_PASS_TABLE],
    ids=[row[0] for row in FAIL_TO_PASS_TABLE],
)
def test_fail_to_pass(before: Outcome | None, after: Outcome | None, counts: bool) -> None:
    old = _report({"t": before} if before else {})
    new = _report({"t": after} if after else {})
    assert fail_to_pass(old, new, {"t"}) == (["t"] if counts else [])


def test_fail_to_pass_looks_only_at_the_given_ids() -> None:
    before = _report({"a": "failed", "b": "failed", "c": "failed"})
    after = _report({"a": "passed", "b": "passed", "c": "passed"})
    assert fail_to_pass(before, after, {"c", "a", "missing"}) == ["a", "c"]
