"""What ranking and packing read from a free-text query: words, identifiers, traceback frames.

Issue texts mix prose, code and pasted output. Identifiers written like code
(snake_case, camelCase, `backticks`, call()) are trusted more than plain words,
and a pasted traceback is read frame by frame: its deepest frame inside the
repository is usually where the bug is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from codecot_mcp.intel.words import IDENTIFIER, STOPWORDS, identifier_tokens, normalize_name, query_tokens

MAX_QUERY_TERMS = 96  # long issue texts: the first words (title, summary) carry the signal
MIN_IDENTIFIER_CHARS = 3

_BACKTICKED = re.compile(r"`([^`\n]+)`")
_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|^[A-Z][a-z0-9]+[A-Z]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)  # issue templates: instructions, not the issue
_TESTS_TALK = re.compile(r"\b(?:tests?|testing|tested|pytest|unittest|spec|specs|fixtures?)\b", re.I)
# Python: File "x/y.py", line 12, in name   JS: at name (x/y.js:12:3)   Go/Rust/Java are left to mentions.
_PY_FRAME = re.compile(r'File "([^"\n]+)", line (\d+), in ([A-Za-z_<][A-Za-z0-9_>]*)')
_JS_FRAME = re.compile(r"\bat (?:async )?([A-Za-z_$][\w$.]*) \(([^()\s:]+):(\d+):\d+\)")


class Frame(NamedTuple):
    """One traceback frame as written: the path may be absolute or from another machine."""

    path: str
    line: int
    function: str


@dataclass(frozen=True)
class QueryTerms:
    text: str
    tokens: list[str]  # BM25 terms, lowercased, stopwords removed
    identifiers: dict[str, str]  # normalized name -> the spelling used in the text
    code_like: frozenset[str]  # normalized names written like code
    frames: list[Frame]  # traceback frames, outermost first
    about_tests: bool

    def whole_token(self, norm: str) -> str:
        """The search token of an identifier as spelled in the text (its whole lowercased name)."""
        return self.identifiers.get(norm, norm).lower()


def analyze_query(text: str) -> QueryTerms:
    text = _HTML_COMMENT.sub(" ", text)
    frames = traceback_frames(text)
    code_like: set[str] = set()
    for snippet in _BACKTICKED.findall(text):
        code_like.update(normalize_name(name) for name in IDENTIFIER.findall(snippet))
    code_like.update(normalize_name(name) for name in _CALLED.findall(text))
    code_like.update(normalize_name(frame.function) for frame in frames)
    identifiers: dict[str, str] = {}
    # A frame's function is evidence about its frame's file only (mentions weigh it by depth), so
    # frame headers are left out here; the source lines printed under them still count.
    prose = _JS_FRAME.sub(" ", _PY_FRAME.sub(" ", text))
    for name in IDENTIFIER.findall(prose):
        if len(name) < MIN_IDENTIFIER_CHARS or name.lower() in STOPWORDS:
            continue
        norm = normalize_name(name)
        identifiers.setdefault(norm, name)
        if looks_like_code(name):
            code_like.add(norm)
    tokens = query_tokens(text)[:MAX_QUERY_TERMS]
    # Whole identifiers always count, even past the cap: their document frequency weighs definitions.
    wholes = [identifier_tokens(name)[-1] for name in identifiers.values() if identifier_tokens(name)]
    return QueryTerms(
        text=text,
        tokens=list(dict.fromkeys([*tokens, *wholes])),
        identifiers=identifiers,
        code_like=frozenset(code_like),
        frames=frames,
        about_tests=bool(_TESTS_TALK.search(text)),
    )


def looks_like_code(name: str) -> bool:
    """snake_case, camelCase, or letters with digits (L036, utf8): not an English word."""
    inner = name.strip("_")
    return (
        "_" in inner or bool(_CAMEL.search(name)) or (any(c.isdigit() for c in name) and name[:1].isalpha())
    )


def traceback_frames(text: str) -> list[Frame]:
    frames = [Frame(path, int(line), function) for path, line, function in _PY_FRAME.findall(text)]
    js = [Frame(path, int(line), function) for function, path, line in _JS_FRAME.findall(text)]
    return frames + js[::-1]  # JS prints the innermost frame first
