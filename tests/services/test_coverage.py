"""Requirement IDs found in tests: the forms people write, and the near misses that are not them."""

import pytest

from codecot_mcp.services.validation import requirement_pattern


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
