"""Properties of the discussion parser and the extraction on top of it, for any text at all.

A discussion is pasted by a user: it may hold control characters, lone surrogates,
mixed line endings and lines of any length. Whatever it holds, parsing must not
raise, and every item must quote lines that really are in it, where it says.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecot_mcp.domain import discussion
from codecot_mcp.domain.discussion import parse_discussion, sentence_spans, split_lines, squash
from codecot_mcp.domain.extraction import TITLE_LENGTH, extract_intent
from codecot_mcp.domain.models import SECTION_FIELDS, SourceRef
from codecot_mcp.errors import InvalidInputError
from tests.conftest import deadline

# Pieces the parser gives meaning to, mixed with any characters at all.
_PIECES = st.sampled_from(
    [
        "Alice: ",
        "[10:02] Bob: ",
        "**Carol**: ",
        "Dave Jones: ",
        "Alice Smith  10:02 AM",
        "Note: ",
        "### Comment by bob",
        "**alice** commented on Nov 3",
        "bob commented 2 days ago",
        "On Mon, 3 Nov 2025, bob wrote:",
        "**alice** opened this issue on Nov 2",
        "> ",
        "```",
        "~~~",
        "---",
        "- ",
        "* ",
        "1. ",
        "- [x] ",
        "# ",
        "## Goals",
        "Title: ",
        "Goal: ",
        "Q: ",
        "A: ",
        "Decision: ",
        "Out of scope: ",
        "We need ",
        "we should ",
        "must not ",
        "Done when ",
        "yes, ",
        "? ",
        ". ",
        "! ",
        "e.g. ",
        "`export_rows()` ",
        "src/export/writer.py ",
        "**",
        "__",
        "\t",
        "    ",
    ]
)
_odd = (
    st.characters()  # any code point but surrogates
    | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)  # lone surrogates
    | st.characters(max_codepoint=0x1F)
    | st.sampled_from(["\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\ufeff", "\u202e", "\x7f"])
)
_line = st.lists(_PIECES | st.text(_odd, max_size=12), max_size=6).map("".join)
_long_line = st.builds(
    lambda unit, n: unit * n, st.text(_odd, min_size=1, max_size=3), st.integers(100, 2_000)
)
_break = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def discussions(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_line | _long_line, max_size=25))
    return "".join(line + draw(_break) for line in lines) + draw(_line)


def assert_quotes_its_lines(lines: list[str], start: int, end: int, quote: str) -> None:
    """The quote is the text of lines start..end (1-based), starting on the first and ending on the last."""
    assert 1 <= start <= end <= len(lines), (start, end, len(lines))
    window = "\n".join(lines[start - 1 : end])
    assert quote in window, (quote, window)
    assert quote.count("\n") == end - start, (quote, start, end)


@settings(max_examples=150, deadline=None)
@given(discussions())
def test_parsing_any_text_never_raises_and_every_statement_quotes_real_lines(text: str) -> None:
    lines = split_lines(text)
    parsed = parse_discussion(text)
    for statement in parsed.statements:
        assert_quotes_its_lines(lines, statement.start_line, statement.end_line, statement.quote)
        if statement.kind != "code":
            assert statement.text == squash(statement.text)
        if statement.kind in ("text", "item"):
            assert statement.text
    assert parsed == parse_discussion(text)  # deterministic


@settings(max_examples=150, deadline=None)
@given(discussions())
def test_extraction_of_any_text_never_raises_and_every_item_quotes_real_lines(text: str) -> None:
    if not text.strip():
        with pytest.raises(InvalidInputError, match="empty"):
            extract_intent(text)
        return
    lines = split_lines(text)
    extracted = extract_intent(text)
    assert len(extracted.title_guess) <= TITLE_LENGTH
    for name in SECTION_FIELDS:
        items = getattr(extracted, name)
        prefix = items[0].id.rstrip("0123456789") if items else ""
        assert [item.id for item in items] == [f"{prefix}{n}" for n in range(1, len(items) + 1)]
        for item in items:
            assert item.text.strip()
            assert isinstance(item.source, SourceRef)
            assert_quotes_its_lines(lines, item.source.start_line, item.source.end_line, item.source.quote)
    assert extracted == extract_intent(text)  # deterministic


@settings(max_examples=100, deadline=None)
@given(discussions().map(lambda text: text.replace("\r", "")))
def test_line_endings_do_not_change_what_is_found(text: str) -> None:
    unix = parse_discussion(text)
    assert parse_discussion(text.replace("\n", "\r\n")) == unix
    assert parse_discussion(text.replace("\n", "\r")) == unix


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES | st.text(_odd, max_size=4), max_size=40).map("".join) | st.text(_odd, max_size=200))
def test_sentences_are_ordered_trimmed_and_cover_every_visible_character(text: str) -> None:
    spans = sentence_spans(text)
    covered: set[int] = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        covered.update(range(start, end))
        previous_end = end
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())


@settings(max_examples=200, deadline=None)
@given(st.lists(_odd | _break, max_size=80).map("".join))
def test_split_lines_loses_nothing_but_the_kind_of_line_break(text: str) -> None:
    lines = split_lines(text)
    assert "\n".join(lines) == text.replace("\r\n", "\n").replace("\r", "\n")
    assert not any("\n" in line or "\r" in line for line in lines)


# The sentence-end pattern without its closing look-ahead: what it reads from a position before
# that look-ahead can fail. A backtracking engine reads at least this much at every position it tries.
_LOOKAHEAD = r"(?=\s)"
_REACH = re.compile(discussion._SENTENCE_END.pattern.removesuffix(_LOOKAHEAD))


def characters_read_finding_sentence_ends(text: str) -> int:
    """Characters the sentence-end search reads over `text`: one per position tried, plus its reach there."""
    return sum(1 + (len(m.group()) if (m := _REACH.match(text, pos)) else 0) for pos in range(len(text)))


def test_the_work_count_sees_the_whole_pattern() -> None:
    assert discussion._SENTENCE_END.pattern.endswith(_LOOKAHEAD)  # else _REACH would not be its reach
    assert characters_read_finding_sentence_ends("ab?? c") == 6 + 2  # the run is read once, from its start


@pytest.mark.parametrize(
    ("marks", "closers"),
    [("?", ""), (".", ""), ("!", ""), ("?!.", ""), ("?", ")"), (".", "*_")],
    ids=["questions", "full-stops", "exclamations", "mixed", "closed-questions", "emphasised-stops"],
)
def test_a_long_run_of_punctuation_is_read_in_linear_time(marks: str, closers: str) -> None:
    def run_of(n: int) -> str:
        return "x " + marks * n + closers * n

    n = 2_000
    once, twice = (characters_read_finding_sentence_ends(run_of(size)) for size in (n, 2 * n))
    # Linear: doubling the run doubles the work. A quadratic search reads about n**2 / 2 here.
    assert twice <= 2 * once + 10, (once, twice)
    assert once <= 2 * len(run_of(n)), once


def test_100_000_question_marks_are_one_open_question() -> None:
    line = "x " + "?" * 100_000
    with deadline(30):  # only against a hang: a quadratic search took minutes here
        extracted = extract_intent(line)
    assert [item.text for item in extracted.open_questions] == [line]
