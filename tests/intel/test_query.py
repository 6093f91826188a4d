from __future__ import annotations

import pytest

from codecot_mcp.intel.mentions import FileNames
from codecot_mcp.intel.query import Frame, analyze_query, looks_like_code, traceback_frames


def test_python_traceback_frames_are_read_outermost_first() -> None:
    text = (
        'Traceback (most recent call last):\n  File "/x/app/main.py", line 3, in <module>\n    run()\n'
        '  File "/x/app/core.py", line 40, in run\n    boom()\nValueError: no'
    )
    assert traceback_frames(text) == [
        Frame("/x/app/main.py", 3, "<module>"),
        Frame("/x/app/core.py", 40, "run"),
    ]


def test_javascript_stack_frames_are_read_outermost_first() -> None:
    text = "TypeError: x\n    at render (/srv/web/view.js:10:5)\n    at main (/srv/web/index.js:3:1)"
    assert traceback_frames(text) == [
        Frame("/srv/web/index.js", 3, "main"),
        Frame("/srv/web/view.js", 10, "render"),
    ]


@pytest.mark.parametrize(
    ("name", "code_like"),
    [
        ("parse_args", True),
        ("parseArgs", True),
        ("L036", True),
        ("utf8", True),
        ("report", False),
        ("Report", False),
        ("__init__", False),
        ("HTTP", False),
    ],
)
def test_names_written_like_code_are_told_from_words(name: str, code_like: bool) -> None:
    assert looks_like_code(name) is code_like


def test_frame_functions_and_backticked_words_count_as_code() -> None:
    terms = analyze_query('See `render`.\n  File "/a/b.py", line 1, in helper\n')
    assert {"render", "helper"} <= terms.code_like


def test_a_snippets_keywords_are_not_names_but_a_capitalised_spelling_is() -> None:
    """`import astroid` names no class `Import`; "`Import` nodes" does."""
    snippet = analyze_query("Crash:\n```python\nimport astroid\nfor x in y:\n    return x\n```\n")
    assert not {"import", "for", "return"} & set(snippet.identifiers)
    named = analyze_query("`Import` nodes lose their names; `Return` too.")
    assert named.identifiers["import"] == "Import" and named.identifiers["return"] == "Return"


FILES = FileNames(
    ["src/pkg/mod.py", "tests/pkg/mod.py", "src/pkg/__init__.py", "lib/other/mod.py", "README.md"]
)


@pytest.mark.parametrize(
    ("written", "resolved"),
    [
        ("/home/me/venv/site-packages/pkg/mod.py", "src/pkg/mod.py"),  # a tie with tests/: first wins
        ("/home/me/proj/src/pkg/mod.py", "src/pkg/mod.py"),
        ("https://github.com/o/r/blob/main/lib/other/mod.py", "lib/other/mod.py"),
        ("README.md", "README.md"),
        ("mod.py", None),
        ("other/thing.py", None),
    ],
)
def test_written_paths_resolve_by_their_trailing_parts(written: str, resolved: str | None) -> None:
    assert FILES.resolve(written) == resolved


def test_dotted_modules_match_python_files() -> None:
    assert FILES.match_module("pkg.mod.Thing") == [
        ("src/pkg/mod.py", "pkg.mod"),
        ("tests/pkg/mod.py", "pkg.mod"),
    ]
    assert FILES.match_module("os.path") == []
