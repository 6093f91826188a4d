"""Test runner reports read into one model, so a verdict rests on what each test did.

A check's exit code says nothing about which tests ran: a change can delete or skip the
failing test, weaken it, or call `os._exit(0)` after the failures are printed, and still
exit 0. The runner's structured report names every case and its outcome, so Codecot
compares the report of the base with that of the change (`compare`) and asks, SWE-bench
style, whether the tests a change adds fail before it and pass after (`fail_to_pass`).

Kinds: `pytest` (its `--junitxml`, ids read back into node ids such as
`tests/test_x.py::TestA::test_b[p]`), `junit` (jest-junit, Maven Surefire, Gradle,
`node --test --test-reporter=junit`: ids join suites, classname and name with `::`), `go`
(`go test -json`), `cargo` (`cargo test -- -Z unstable-options --format json`, nextest's
libtest-json) and `tap` (`node --test --test-reporter=tap`). An id reported twice is one case
with its most severe outcome. Which check is read as which kind, and with what flags, is
`services/reports.py`.

The caller's part: have the runner write the report to a fresh path outside the work tree,
and read a missing report as a failed check. pytest writes its XML at the end of the
session, so `os._exit` in a test leaves no report at all; a stream format cut short by an
exit is marked `complete=False`.

The agent writes the test code that writes the report, so the report is hostile input.
XML is parsed by `defusedxml` (DTDs refused outright: no entity expansion, no external
entities), input is capped in size and in cases, and anything broken raises
`InvalidInputError`, never another exception. `junitparser` was looked at and not taken:
it parses with the plain stdlib (or lxml) parser, so its parsing would have to be bypassed
anyway; it walks only the top-level suites, which loses the nested `<testsuite>` elements
node's reporter writes for `describe` blocks; and its untyped API would need casts under
mypy strict. What is left after safe parsing is a short walk over elements.

Known limits: pytest's JUnit XML writes a non-strict XPASS as a plain pass, so `xpass`
comes only from TAP (`ok ... # TODO`); a strict XPASS is a failure, as pytest says.
"""

# defusedxml ships no type hints; its API is ElementTree's, typed below by a cast.
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, cast
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from pydantic import BaseModel, ConfigDict

from codecot_mcp.errors import InvalidInputError

Outcome = Literal["passed", "failed", "error", "skipped", "xfail", "xpass"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "error", "skipped", "xfail", "xpass")
ReportKind = Literal["junit", "pytest", "go", "cargo", "tap"]
REPORT_KINDS: tuple[ReportKind, ...] = ("junit", "pytest", "go", "cargo", "tap")

# Far above a real report of a large suite without captured output; a report this size is
# either captured logs (not needed here) or an attempt to exhaust the server.
MAX_REPORT_BYTES = 8 * 1024 * 1024
MAX_CASES = 200_000
MAX_MESSAGE_CHARS = 500

_FAILING: frozenset[Outcome] = frozenset({"failed", "error"})
_HIDDEN: frozenset[Outcome] = frozenset({"skipped", "xfail"})
_PASSING: frozenset[Outcome] = frozenset({"passed", "xpass"})


class CaseResult(BaseModel):
    """One test case as the runner reported it; `id` is stable across runs of the same tree."""

    model_config = ConfigDict(frozen=True)

    id: str
    outcome: Outcome
    classname: str = ""
    name: str = ""
    file: str | None = None
    message: str = ""


class TestReport(BaseModel):
    """Every case of one run, with counts per outcome; ids are unique within a report."""

    __test__: ClassVar[bool] = False  # not a pytest test class, though named like one
    model_config = ConfigDict(frozen=True)

    kind: ReportKind
    cases: tuple[CaseResult, ...]
    counts: dict[Outcome, int]
    collected: int
    # False when the stream stopped before its end: a libtest suite or a go package with no
    # closing event, a TAP plan missing or unmet, a bail-out. An exit in the middle of the run
    # leaves the tests after it out of the report, so no count of it can be trusted.
    complete: bool = True

    def outcomes(self) -> dict[str, Outcome]:
        """Each case's outcome by id, for comparing runs."""
        return {case.id: case.outcome for case in self.cases}


class ReportDiff(BaseModel):
    """What a change did to the tests of the base, each list of ids sorted.

    missing: in the base, not in the head (deleted, renamed, or never reached);
    skipped: run in the base, skipped or xfail in the head; regressions: passed in the
    base, failed or errored in the head; new: only in the head.
    """

    model_config = ConfigDict(frozen=True)

    missing: list[str]
    skipped: list[str]
    regressions: list[str]
    new: list[str]
    fewer_collected: bool
    base_collected: int
    head_collected: int


def parse_report(kind: str, data: bytes, *, max_bytes: int = MAX_REPORT_BYTES) -> TestReport:
    """Read a runner's report of `kind` (one of REPORT_KINDS); a broken one raises InvalidInputError."""
    if kind not in REPORT_KINDS:
        raise InvalidInputError(f"unknown report kind {kind!r}", hint=f"use one of {', '.join(REPORT_KINDS)}")
    if len(data) > max_bytes:
        raise InvalidInputError(
            f"the {kind} report is {len(data)} bytes, over the {max_bytes}-byte limit",
            hint="write the report without captured output, or split the run",
        )
    complete = True  # a well-formed XML document is whole
    if kind in ("junit", "pytest"):
        cases = _junit_cases(data, pytest_ids=kind == "pytest")
    elif kind == "go":
        cases, complete = _go_cases(_json_lines(kind, data))
    elif kind == "cargo":
        cases, complete = _cargo_cases(_json_lines(kind, data))
    else:
        cases, complete = _tap_cases(_text(data))
    return build_report(kind, cases, complete=complete)


def compare(base: TestReport, head: TestReport) -> ReportDiff:
    """The base's tests the head lost, hid or broke, the head's new tests, and a shrunk collection.

    A test counts as skipped by the change only when it was not already skipped or xfail in
    the base; an XPASS that turns into xfail counts, since the test stopped passing.
    """
    before, after = base.outcomes(), head.outcomes()
    return ReportDiff(
        missing=_missing(before, after),
        skipped=sorted(i for i, o in before.items() if o not in _HIDDEN and after.get(i) in _HIDDEN),
        regressions=sorted(i for i, o in before.items() if o in _PASSING and after.get(i) in _FAILING),
        new=sorted(set(after) - set(before)),
        fewer_collected=head.collected < base.collected,
        base_collected=base.collected,
        head_collected=head.collected,
    )


# pytest names a parameter it cannot show by its argument name and position (`expected3`): a
# case inserted before it renumbers every later case without removing any.
_POSITIONAL_ID = re.compile(r"(?<![^\[\-])([A-Za-z_]\w*?)\d+(?=[\]\-])")


def _case_key(test_id: str) -> str:
    """`test_x[a-expected3]` as `test_x[a-expected#]`: the same case wherever it now stands."""
    if not test_id.endswith("]") or "[" not in test_id:
        return test_id
    head, _, params = test_id.partition("[")
    return head + "[" + _POSITIONAL_ID.sub(r"\1#", params)


def _missing(before: dict[str, Outcome], after: dict[str, Outcome]) -> list[str]:
    """The base's test ids the head lacks, less those that were only renumbered: of each case
    key, only as many as the head has fewer of. (A case replaced by another keeps the count; its
    base version still runs against the change, so a failure there is still seen.)"""
    gone = [i for i in before if i not in after]
    if not gone:
        return []
    spare = Counter(_case_key(i) for i in after if i not in before)
    missing: list[str] = []
    for test_id in sorted(gone):
        key = _case_key(test_id)
        if spare[key] > 0:
            spare[key] -= 1
        else:
            missing.append(test_id)
    return missing


def fail_to_pass(before: TestReport, after: TestReport, ids: set[str]) -> list[str]:
    """Of `ids`, those that failed, errored or did not exist before and pass after, sorted.

    An XPASS after does not count: the test is still marked as expected to fail.
    """
    old, new = before.outcomes(), after.outcomes()
    return sorted(i for i in ids if old.get(i, "failed") in _FAILING and new.get(i) == "passed")


def build_report(kind: ReportKind, cases: list[CaseResult], *, complete: bool = True) -> TestReport:
    """A report of `cases` in order, repeats of an id merged and the outcomes counted."""
    if len(cases) > MAX_CASES:
        raise InvalidInputError(f"the {kind} report holds {len(cases)} cases, over the limit of {MAX_CASES}")
    unique = _merge_repeats(cases)
    counts: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
    for case in unique:
        counts[case.outcome] += 1
    return TestReport(kind=kind, cases=tuple(unique), counts=counts, collected=len(unique), complete=complete)


# When one id is reported more than once, the case that says most against the change stands.
_SEVERITY: dict[Outcome, int] = {"failed": 5, "error": 4, "passed": 3, "xpass": 2, "xfail": 1, "skipped": 0}


def _merge_repeats(cases: list[CaseResult]) -> list[CaseResult]:
    """One case per id, in order of first report, with the most severe outcome among its repeats.

    pytest writes a second <testcase> of the same name for a teardown error after the call
    failed; libtest's stream repeats a name that two test binaries share. Numbering the
    repeats would tie an id to report order, and a pass could then stand beside a hidden failure.
    """
    merged: dict[str, CaseResult] = {}
    for case in cases:
        kept = merged.get(case.id)
        if kept is None or _SEVERITY[case.outcome] > _SEVERITY[kept.outcome]:
            merged[case.id] = case
    return list(merged.values())


def _clip(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# --- JUnit XML ---------------------------------------------------------------------------


def _parse_xml(data: bytes) -> Element:
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidInputError(
            f"the JUnit report declares a DTD or entities, which are refused: {type(exc).__name__}",
            hint="a test runner's report never needs a DTD",
        ) from exc
    except (ParseError, ValueError, LookupError) as exc:
        raise InvalidInputError(
            f"the JUnit report is not well-formed XML: {exc}",
            hint="the run may have stopped while writing it",
        ) from exc
    return cast(Element, root)


def _junit_cases(data: bytes, *, pytest_ids: bool) -> list[CaseResult]:
    root = _parse_xml(data)
    if root.tag not in ("testsuites", "testsuite"):
        raise InvalidInputError(f"the JUnit report's root is <{root.tag}>, not <testsuites> or <testsuite>")
    return [_junit_case(elem, suites, pytest_ids=pytest_ids) for elem, suites in _walk_testcases(root)]


def _walk_testcases(root: Element) -> Iterator[tuple[Element, tuple[str, ...]]]:
    """Each <testcase> in document order with the names of the suites around it; no recursion,
    so a hostile nesting depth cannot exhaust the stack."""
    stack: list[tuple[Iterator[Element], tuple[str, ...]]] = [(iter(root), _suite_names(root, ()))]
    while stack:
        children, suites = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
        elif child.tag == "testcase":
            yield child, suites
        elif child.tag == "testsuite":
            stack.append((iter(child), _suite_names(child, suites)))


def _suite_names(elem: Element, outer: tuple[str, ...]) -> tuple[str, ...]:
    name = elem.get("name", "") if elem.tag == "testsuite" else ""
    return (*outer, name) if name else outer


def _junit_case(elem: Element, suites: tuple[str, ...], *, pytest_ids: bool) -> CaseResult:
    classname, name = elem.get("classname", ""), elem.get("name", "")
    file = elem.get("file") or None
    outcome, message = _junit_outcome(elem)
    if pytest_ids:
        case_id, file = pytest_node_id(classname, name, file)
    else:
        case_id = _generic_id([file or "", *suites, classname, name])
    return CaseResult(id=case_id, outcome=outcome, classname=classname, name=name, file=file, message=message)


def _junit_outcome(elem: Element) -> tuple[Outcome, str]:
    """A failure wins over an error (pytest writes both for a failing call and a broken teardown);
    Surefire's flaky and rerun elements are ignored, since the case passed in the end."""
    found = {child.tag: child for child in elem if child.tag in ("failure", "error", "skipped")}
    for tag, outcome in (("failure", "failed"), ("error", "error")):
        if tag in found:
            return cast(Outcome, outcome), _clip(found[tag].get("message") or found[tag].text)
    if "skipped" in found:
        skip = found["skipped"]
        kind: Outcome = "xfail" if skip.get("type") == "pytest.xfail" else "skipped"
        return kind, _clip(skip.get("message") or skip.text)
    return "passed", ""


def _generic_id(parts: list[str]) -> str:
    """Join file, suites, classname and name with `::`, dropping blank parts and any part the
    next one repeats (Surefire's suite is its classname; jest-junit's classname is its name)."""
    kept = [p.strip() for p in parts if p.strip()]
    return "::".join(p for i, p in enumerate(kept) if i + 1 == len(kept) or not kept[i + 1].startswith(p))


def pytest_node_id(classname: str, name: str, file: str | None) -> tuple[str, str | None]:
    """The pytest node id and test file for a JUnit case, undoing pytest's `mangle_test_address`.

    pytest writes `tests/test_x.py::TestA::test_b[p]` as classname `tests.test_x.TestA` and
    name `test_b[p]` (the parameters stay whole, `::` and dots included). With the `file`
    attribute (junit_family=xunit1) the module is known; without it (the default xunit2) the
    trailing capitalised parts are taken as classes, pytest's default `Test*` naming.
    """
    if not classname:  # a collection error: the name is the dotted module
        path = _module_path(name.split("."))
        return path, path
    parts = classname.split(".")
    if file:
        dotted = file.removesuffix(".py").replace("/", ".")
        if classname == dotted or classname.startswith(dotted + "."):
            classes = classname[len(dotted) + 1 :].split(".") if classname != dotted else []
            return "::".join([file, *classes, name]), file
    split = len(parts)
    while split > 1 and parts[split - 1][:1].isupper():
        split -= 1
    path = _module_path(parts[:split])
    return "::".join([path, *parts[split:], name]), file or path


def _module_path(parts: list[str]) -> str:
    return "/".join(parts) + ".py"


# --- JSON event streams ------------------------------------------------------------------


def _json_lines(kind: str, data: bytes) -> list[dict[str, Any]]:
    """The JSON objects of an event stream, one a line; other lines (a test's own prints,
    cargo's banners) are skipped, but a line that starts as JSON and breaks is an error."""
    events: list[dict[str, Any]] = []
    for number, line in enumerate(_text(data).splitlines(), start=1):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise InvalidInputError(
                f"line {number} of the {kind} report is broken JSON: {str(exc)[:80]}",
                hint="the run may have stopped while writing it",
            ) from exc
        if isinstance(event, dict):
            events.append(event)
    return events


def _str(event: dict[str, Any], key: str) -> str:
    value = event.get(key)
    return value if isinstance(value, str) else ""


@dataclass
class _Pending:
    """A case being assembled from events; `outcome` stays None until its final event."""

    classname: str
    name: str
    outcome: Outcome | None = None
    output: list[str] = field(default_factory=list)
    message: str = ""


_GO_FINAL: dict[str, Outcome] = {"pass": "passed", "fail": "failed", "skip": "skipped"}
_GO_NOISE = re.compile(r"^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)|--- (?:PASS|FAIL|SKIP):)")
_NO_RESULT = "no result: the test started and never finished (a crash, a timeout or an early exit)"


def _go_cases(events: list[dict[str, Any]]) -> tuple[list[CaseResult], bool]:
    """Cases of `go test -json`, id `package::TestName/subtest`; a failed package none of
    whose tests failed (a build failure, TestMain, an exit after the tests) is one error case.
    The stream is whole when every package it names has its closing pass, fail or skip."""
    tests: dict[tuple[str, str], _Pending] = {}
    packages: dict[str, _Pending] = {}
    for event in events:
        package, test, action = _str(event, "Package"), _str(event, "Test"), _str(event, "Action")
        if action.startswith("build-"):
            package, test = _str(event, "ImportPath").split(" ")[0], ""
        if not package:
            continue
        key = (package, test)
        pending = tests.setdefault(key, _Pending(package, test)) if test else _package(packages, package)
        _go_apply(pending, action, _str(event, "Output"))
    cases = [_from_pending(f"{p.classname}::{p.name}", p) for p in tests.values()]
    broken = {c.classname for c in cases if c.outcome in _FAILING}
    for package, pending in packages.items():
        if pending.outcome == "failed" and package not in broken:
            cases.append(_from_pending(package, _Pending(package, "", "error", pending.output)))
    closed = {package for package, pending in packages.items() if pending.outcome is not None}
    return cases, {package for package, _ in tests} | set(packages) <= closed


def _package(packages: dict[str, _Pending], package: str) -> _Pending:
    return packages.setdefault(package, _Pending(package, ""))


def _go_apply(pending: _Pending, action: str, output: str) -> None:
    if action in ("output", "build-output") and not _GO_NOISE.match(output):
        pending.output.append(output)
    elif action in _GO_FINAL:
        pending.outcome = _GO_FINAL[action]
    elif action == "build-fail":
        pending.outcome = "failed"


def _from_pending(case_id: str, pending: _Pending) -> CaseResult:
    if pending.outcome is None:
        outcome: Outcome = "error"
        message = _clip("".join(pending.output) + _NO_RESULT)
    else:
        outcome = pending.outcome
        message = pending.message or ("" if outcome == "passed" else _clip("".join(pending.output)))
    return CaseResult(
        id=case_id, outcome=outcome, classname=pending.classname, name=pending.name, message=message
    )


_CARGO_FINAL: dict[str, Outcome] = {"ok": "passed", "failed": "failed", "ignored": "skipped"}


def _cargo_cases(events: list[dict[str, Any]]) -> tuple[list[CaseResult], bool]:
    """Cases of libtest's JSON, id the test's path (`tests::it_works`). One stream holds a suite
    per test binary, and a name two binaries share is one id (nextest's names carry the crate
    and binary, so they do not repeat)."""
    cases: list[CaseResult] = []
    running: dict[str, _Pending] = {}
    suite_open = cut = False  # cut: a suite started before the one before it closed
    for event in events:
        if _str(event, "type") == "suite":
            started = _str(event, "event") == "started"
            cut, suite_open = cut or (started and suite_open), started
            cases.extend(_from_pending(p.name, p) for p in running.values())
            running = {}
        elif _str(event, "type") == "test":
            _cargo_apply(running, event)
    cases.extend(_from_pending(p.name, p) for p in running.values())
    return cases, not (cut or suite_open)


# nextest names a test `crate::binary$path` and appends `#<tries>` to one that was retried.
def _without_retries(name: str) -> str:
    base, hash_sign, tries = name.rpartition("#")
    return base if hash_sign and tries.isdigit() and "$" in base else name


def _cargo_apply(running: dict[str, _Pending], event: dict[str, Any]) -> None:
    name, kind = _without_retries(_str(event, "name")), _str(event, "event")
    pending = running.setdefault(name, _Pending("", name))
    if kind in _CARGO_FINAL:
        pending.outcome = _CARGO_FINAL[kind]
        reason = _str(event, "message") or _str(event, "reason") or _str(event, "stdout")
        pending.message = _clip(reason)


# --- TAP ---------------------------------------------------------------------------------

# The agent's tests can print any line into the stream, so no pattern here may backtrack
# over a long line: the head and the directive are matched apart, each part optional.
_TAP_HEAD = re.compile(
    r"(?P<indent>[ \t]*)(?P<ok>not ok|ok)\b[ \t]*(?:\d+)?[ \t]*(?:-[ \t]*)?", re.IGNORECASE
)
_TAP_DIRECTIVE = re.compile(r"#[ \t]*(?P<directive>skip|todo)\S*(?:[ \t]+(?P<reason>.*))?", re.IGNORECASE)


@dataclass
class _TapEntry:
    indent: int
    case: CaseResult


def _tap_cases(text: str) -> tuple[list[CaseResult], bool]:
    """Cases of TAP, nested subtests named `parent::child`. A parent that only groups
    subtests is dropped, unless it failed while none of them did (a broken hook)."""
    done: list[_TapEntry] = []
    lines = text.splitlines()
    top_level = 0
    for indent, case in _tap_results(lines):
        top_level += indent == 0
        start = len(done)
        while start > 0 and done[start - 1].indent > indent:
            start -= 1
        children = [_TapEntry(indent, _prefixed(case.id, e.case)) for e in done[start:]]
        del done[start:]
        done.extend(children)
        if _keep_parent(case, [c.case for c in children]):
            done.append(_TapEntry(indent, case))
    return [entry.case for entry in done], _tap_plan_met(lines, top_level)


_TAP_PLAN = re.compile(r"^1\.\.(\d+)")


def _tap_plan_met(lines: list[str], results: int) -> bool:
    """A TAP stream is whole when its top-level plan (`1..N`, first or last) counts its results."""
    plans = [int(m[1]) for line in lines if (m := _TAP_PLAN.match(line))]
    bailed = any(line.startswith("Bail out!") for line in lines)
    return not bailed and len(plans) == 1 and plans[0] == results


def _keep_parent(case: CaseResult, children: list[CaseResult]) -> bool:
    return not children or (case.outcome == "failed" and all(c.outcome not in _FAILING for c in children))


def _tap_results(lines: Iterable[str]) -> Iterator[tuple[int, CaseResult]]:
    """Each test line with its indent, a failure given the message of the YAML block after it.
    Lines inside a block (`---` to `...`) are never results, whatever they read like."""
    pending: tuple[int, CaseResult] | None = None
    yaml: list[str] | None = None
    for line in lines:
        stripped = line.strip()
        if yaml is not None:
            if stripped != "...":
                yaml.append(line)
                continue
            if pending:
                pending = (pending[0], _with_yaml_message(pending[1], yaml))
            yaml = None
        elif stripped == "---":
            yaml = []
        elif match := _TAP_HEAD.match(line):
            if pending:
                yield pending
            pending = (len(match["indent"].expandtabs(4)), _tap_case(match, line[match.end() :]))
    if pending:
        yield pending


_YAML_MESSAGE = re.compile(r"(?P<indent>[ \t]*)(?:message|error):[ \t]*(?P<value>.*)")


def _with_yaml_message(case: CaseResult, yaml: list[str]) -> CaseResult:
    """`message:` (TAP 14's habit) or `error:` (node's), inline or as a `|` block."""
    if case.outcome != "failed" or case.message:
        return case
    for i, line in enumerate(yaml):
        match = _YAML_MESSAGE.match(line)
        if not match:
            continue
        value = match["value"].strip()
        if not value or value[0] in "|>":
            value = " ".join(_yaml_block(yaml[i + 1 :], len(match["indent"])))
        elif len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        return case.model_copy(update={"message": _clip(value)})
    return case


def _tap_case(head: re.Match[str], rest: str) -> CaseResult:
    passed = head["ok"].lower() == "ok"
    desc, directive, reason = _tap_directive(rest)
    outcome: Outcome
    if directive == "skip":
        outcome = "skipped"
    elif directive == "todo":
        outcome = "xpass" if passed else "xfail"
    else:
        outcome = "passed" if passed else "failed"
    name = desc or "(unnamed)"
    return CaseResult(id=name, outcome=outcome, name=name, message=_clip(reason))


def _tap_directive(rest: str) -> tuple[str, str, str]:
    """Description, directive (`skip`, `todo` or empty) and reason; a `#` that starts no
    directive belongs to the description (`ok 3 - issue #12 stays fixed`)."""
    match = _TAP_DIRECTIVE.search(rest)
    if not match:
        return rest.strip(), "", ""
    return rest[: match.start()].strip(), match["directive"].lower(), (match["reason"] or "").strip()


def _yaml_block(lines: list[str], depth: int) -> Iterator[str]:
    """The non-empty lines of a YAML block scalar: those indented deeper than its key."""
    for line in lines:
        if line.strip() and len(line) - len(line.lstrip()) <= depth:
            return
        if line.strip():
            yield line.strip()


def _prefixed(parent: str, case: CaseResult) -> CaseResult:
    return case.model_copy(update={"id": f"{parent}::{case.id}"})
