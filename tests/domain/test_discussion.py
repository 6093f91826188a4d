from __future__ import annotations

import pytest

from codecot_mcp.domain.discussion import (
    Discussion,
    content_words,
    is_template_heading,
    parse_discussion,
    sentence_spans,
    split_lines,
)

SLACK = """\
[10:02] Alice: The CSV export is broken for big workspaces. It times out after 30s.
[10:03] Bob: yeah, users complain every week
[10:04] **Carol**: We need streaming export.
It must not add new dependencies
and it has to work with Python 3.11.
Dave Jones: csv or tsv?
**Bob:** we decided csv, like `export_rows` in src/export/writer.py does.
"""

ISSUE = """\
# Export times out on large workspaces

**alice** opened this issue on Nov 2

Exporting a workspace with 1M rows fails with a 504.

### Comment by bob

> Exporting a workspace with 1M rows fails with a 504.
> (quoted)

We should stream the rows. Excel is out of scope.

---

**carol** commented on Nov 3

Agreed, let's go with streaming.
```python
def export_rows(): ...
```
"""

NOTES = """\
# Export redesign sync

Attendees: Alice, Bob
Note: recorded by Alice.

## Decisions
- Use chunked transfer encoding, e.g. like the importer.
- Keep the existing endpoint. Document the change.
1. numbered item
* star item with **bold** text
  wrapped onto a second line
"""


def _texts(discussion: Discussion) -> list[tuple[str | None, str]]:
    return [(s.speaker, s.text) for s in discussion.statements]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SLACK, "transcript"),
        (ISSUE, "issue_thread"),
        (NOTES, "plain"),
        ("alice commented 2 days ago\n\nfine by me", "issue_thread"),
        ("On Mon, 3 Nov 2025, bob wrote:\n> old text\nnew text", "issue_thread"),
        ("Decision: use csv\nGoal: stream rows\nNote: later", "plain"),
        ("Alice: one line only", "transcript"),  # one person's message: the name is no part of it
        (
            "Alice: The report must list low-stock items first.\nAlice: Done when its test passes.",
            "transcript",
        ),
        ("Python: 3.11", "plain"),  # a field, not a message
        # a bug report: an exception's line and the template's environment block are no chat
        (
            "TypeError: running ModelChain with Arrays fails\nThe model raises on a tuple.\n"
            "ValueError: The truth value of a Series is ambiguous.\nOS: Ubuntu 22.04\nVersion: 0.9.5",
            "plain",
        ),
        ("Alice: fine\n", "plain"),
        ("I wrote a script yesterday.\nIt works.", "plain"),
        # versions of the libraries a report names are fields too, whatever the library
        (
            "Crash when exporting an empty report\n\nExporting it raises ZeroDivisionError.\n"
            "It should export an empty file.\n\nPandas version: 2.1\nNumpy version: 1.26",
            "plain",
        ),
        (
            "Ana Silva: The export fails on empty reports.\nBob Jones: It should write an empty file.",
            "transcript",
        ),
    ],
)
def test_the_format_is_detected(text: str, expected: str) -> None:
    assert parse_discussion(text).format == expected


def test_one_persons_message_is_attributed_and_their_name_left_out() -> None:
    discussion = parse_discussion("Ana: The stock report must list low-stock items first.")
    assert _texts(discussion) == [("Ana", "The stock report must list low-stock items first.")]


def test_a_slack_transcript_is_split_into_attributed_sentences() -> None:
    discussion = parse_discussion(SLACK)
    assert _texts(discussion) == [
        ("Alice", "The CSV export is broken for big workspaces."),
        ("Alice", "It times out after 30s."),
        ("Bob", "yeah, users complain every week"),
        ("Carol", "We need streaming export."),
        ("Carol", "It must not add new dependencies and it has to work with Python 3.11."),
        ("Dave Jones", "csv or tsv?"),
        ("Bob", "we decided csv, like `export_rows` in src/export/writer.py does."),
    ]


def test_a_sentence_wrapped_over_lines_spans_them() -> None:
    wrapped = next(s for s in parse_discussion(SLACK).statements if s.text.startswith("It must not"))
    assert (wrapped.start_line, wrapped.end_line) == (4, 5)
    assert wrapped.quote == "It must not add new dependencies\nand it has to work with Python 3.11."


def test_an_issue_thread_skips_headers_and_quoted_replies() -> None:
    discussion = parse_discussion(ISSUE)
    assert discussion.title == "Export times out on large workspaces"
    prose = [(s.speaker, s.text) for s in discussion.statements if s.kind in ("text", "item")]
    assert prose == [
        ("alice", "Exporting a workspace with 1M rows fails with a 504."),
        ("bob", "We should stream the rows."),
        ("bob", "Excel is out of scope."),
        ("carol", "Agreed, let's go with streaming."),
    ]


def test_a_fenced_code_block_is_one_code_statement() -> None:
    code = [s for s in parse_discussion(ISSUE).statements if s.kind == "code"]
    assert len(code) == 1
    assert code[0].text == "def export_rows(): ..."
    assert (code[0].start_line, code[0].end_line) == (19, 21)
    assert code[0].speaker == "carol"


def test_meeting_notes_keep_list_items_and_their_heading() -> None:
    items = [s for s in parse_discussion(NOTES).statements if s.kind == "item"]
    assert [s.text for s in items] == [
        "Use chunked transfer encoding, e.g. like the importer.",
        "Keep the existing endpoint.",
        "Document the change.",
        "numbered item",
        "star item with bold text wrapped onto a second line",
    ]
    assert {s.section for s in items} == {"Decisions"}
    assert all(s.speaker is None for s in items)
    assert items[-1].quote == "star item with **bold** text\n  wrapped onto a second line"


@pytest.mark.parametrize("text", [SLACK, ISSUE, NOTES, SLACK.replace("\n", "\r\n")])
def test_every_statement_quotes_the_lines_it_points_at(text: str) -> None:
    lines = split_lines(text)
    for statement in parse_discussion(text).statements:
        assert 1 <= statement.start_line <= statement.end_line <= len(lines)
        assert statement.quote in "\n".join(lines[statement.start_line - 1 : statement.end_line])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two!  Three? four", ["One.", "Two!", "Three?", "four"]),
        ("Use e.g. csv. Then stop.", ["Use e.g. csv.", "Then stop."]),
        ("See config.py for details.", ["See config.py for details."]),
        ("version 1.2 is out. ok", ["version 1.2 is out. ok"]),
        ("ends here.\nnext line", ["ends here.", "next line"]),
    ],
)
def test_sentences_split_on_end_punctuation_only(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == expected


def test_content_words_drop_stopwords_and_plural_s() -> None:
    assert content_words("We want the exports to stream rows") == {"export", "stream", "row"}


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ('### `python -c "from astroid import __pkginfo__; print(__pkginfo__.version)"` output', True),
        ("pip freeze output", True),
        ("I would expect both of these expressions to generate the same output", False),
    ],
)
def test_a_probe_is_a_template_heading_and_a_sentence_is_not(line: str, heading: bool) -> None:
    assert is_template_heading(line) is heading


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (  # a link under the title starts no sentence
            "Incorrect Email Validation\nhttps://github.com/o/r/blob/main/src/validate.py#L136\n\n"
            "The email regex matches a trailing newline.\n",
            "Incorrect Email Validation",
        ),
        (  # a feature request's title past 120 characters
            "Allow to search a list of elements in a `FileSet` while only loading instances once, "
            "to drastically improve execution time\n**Describe the solution**\nSearch them all at once.\n",
            "Allow to search a list of elements in a `FileSet` while only loading instances once, "
            "to drastically improve execution time",
        ),
        ("the export is slow\nand it gets slower every week.\n", None),  # a sentence running on
    ],
)
def test_the_first_line_is_the_issues_title(text: str, title: str | None) -> None:
    assert parse_discussion(text).title == title
