"""Requirement IDs found in tests: the forms people write, and the near misses that are not them."""

import pytest

from codecot_mcp.domain.models import CheckResult, TestEvidence
from codecot_mcp.services.evidence import Judged, requirement_pattern
from codecot_mcp.services.evidence import coverage as coverage_of
from tests.conftest import MakeRepo, make_task


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('"""Covers REQ-1.2."""', True),
        ("@pytest.mark.req('REQ-1.2')", True),
        ("# REQ-1.2: streams rows", True),
        ("def test_req_1_2_streams_rows():", True),
        ("def test_REQ_1_2():", True),
        ("REQ-1.20 is another one", False),
        ("REQ-1.2.3", False),
        ("xREQ-1.2", False),
        ("def test_req_1_20():", False),
        ("REQ-12.2", False),
    ],
)
def test_a_requirement_id_is_found_in_the_forms_tests_use(text: str, found: bool) -> None:
    assert bool(requirement_pattern("REQ-1.2").search(text)) is found


@pytest.mark.parametrize(
    ("name", "text", "covered"),
    [
        ("tests/test_export.py", 'def test_csv():\n    """REQ-1.1: the CSV has a header."""\n', True),
        ("tests/test_export.py", "def test_req_1_1_csv_header():\n    assert True\n", True),
        ("tests/test_export.py", "def test_csv():\n    assert True  # TODO REQ-1.1\n", False),
        ("tests/test_export.py", "# REQ-1.1 is done\ndef test_csv():\n    pass\n", False),
        ("tests/export.test.js", 'it("REQ-1.1 writes a header", () => {});\n', True),
        ("tests/export.test.js", "// REQ-1.1\nit('writes', () => {});\n", False),
        ("tests/notes.txt", "REQ-1.1 is covered, trust me\n", False),  # not code: no test at all
    ],
)
def test_only_a_test_that_names_the_requirement_outside_a_comment_names_it(
    make_repo: MakeRepo, name: str, text: str, covered: bool
) -> None:
    root = make_repo({"README.md": "# x\n"})
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    task = make_task(allowed=["tests/"])
    passed = CheckResult(name="tests", argv=["x"], exit_code=0, passed=True, duration_s=0.1)
    (coverage,) = coverage_of(task, root, Judged([passed], []))
    assert (coverage.strength == "named") is covered, coverage.evidence
    assert not coverage.covered  # a name alone is weak evidence: never enough for a pass


def test_a_fail_to_pass_test_counts_for_the_requirement_it_names_or_for_every_one(
    make_repo: MakeRepo,
) -> None:
    root = make_repo({"README.md": "# x\n"})
    task = make_task().model_copy(update={"requirement_ids": ["REQ-1.1", "REQ-1.2", "REQ-1.3"]})
    passed = CheckResult(name="tests", argv=["x"], exit_code=0, passed=True, duration_s=0.1)
    named = TestEvidence(fail_to_pass=["tests/test_a.py::test_req_1_1_sorts"])
    by_req = {c.requirement_id: c.covered for c in coverage_of(task, root, Judged([passed], [], named))}
    assert by_req == {"REQ-1.1": True, "REQ-1.2": False, "REQ-1.3": False}
    both = TestEvidence(fail_to_pass=["tests/test_a.py::test_req_1_1_sorts", "tests/test_a.py::test_empty"])
    by_req = {c.requirement_id: c.covered for c in coverage_of(task, root, Judged([passed], [], both))}
    assert by_req == {"REQ-1.1": True, "REQ-1.2": True, "REQ-1.3": True}
    failed = passed.model_copy(update={"passed": False})
    assert not any(c.covered for c in coverage_of(task, root, Judged([failed], [], both)))
