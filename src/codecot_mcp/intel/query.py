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

# Words a pasted snippet is made of in the languages Codecot reads: `import astroid` names no
# class `Import`, and `return x` no `Return`, though a parser's node classes are called that.
# Only their all-lowercase spelling is left out; `Import` written so is a name.
_KEYWORD_TEXT = """and as assert async await break class continue def del elif else except finally for from
    global if import in is lambda nonlocal not or pass raise return try while with yield none true
    false function var let const new void static public private protected struct enum interface
    package func fn impl pub mut extends implements throws throw catch goto sizeof typeof
    instanceof null nil this"""
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_CAMEL = re.compile(r"[a-z0-9][A-Z]|^[A-Z][a-z0-9]+[A-Z]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)  # issue templates: instructions, not the issue
# Template checklists ("- [x] I searched the issues", "- [ ] I will submit a PR") say nothing about code.
_CHECKLIST = re.compile(r"^\s*[-*]\s*\[[ xX]\].*$", re.M)
# A link to a file on a code host keeps its repository path: .../blob/<ref>/src/x.py#L12 -> src/x.py
_BLOB_URL = re.compile(r"https?://\S+?/(?:blob|tree|raw)/[^/\s]+/([^\s#?)\]]+)[^\s)\]]*")
_URL = re.compile(r"https?://[^\s)\]>]+")
_FENCED = re.compile(r"^\s*(```|~~~).*?^\s*\1", re.S | re.M)  # pasted code, config, logs
# Messages quoted in an issue or printed after an exception name; found verbatim in code, they point
# at the line that raised them.
_QUOTED = re.compile(r"\"([^\"\n]{12,200})\"|'([^'\n]{12,200})'")
_EXCEPTION_LINE = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning):\s*(.{12,200})$", re.M)
_PHRASE_SPLIT = re.compile(r"\{[^{}]*\}|%[sdrf]|[:;,]\s|\s-\s")  # format placeholders break a message
MIN_PHRASE_WORDS = 3
MAX_PHRASES = 12
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
    title_tokens: frozenset[str]  # tokens of the first line: an issue's title names the subject
    phrases: list[str]  # quoted or raised messages, lowercased, to look for verbatim in code
    prose_tokens: frozenset[str]  # tokens outside fenced blocks: what the reporter wrote, not pasted
    identifiers: dict[str, str]  # normalized name -> the spelling used in the text
    code_like: frozenset[str]  # normalized names written like code
    frames: list[Frame]  # traceback frames, outermost first
    about_tests: bool

    def whole_token(self, norm: str) -> str:
        """The search token of an identifier as spelled in the text (its whole lowercased name)."""
        return self.identifiers.get(norm, norm).lower()


def clean_issue_text(text: str, template_lines: frozenset[str] = frozenset()) -> str:
    """Drop what issue templates add around an issue, keep repository paths from links.

    `template_lines` are the normalized lines of the repository's own issue templates:
    text the reporter did not write (headings, prompts, version-check snippets).
    """
    if template_lines:
        text = "\n".join(line for line in text.splitlines() if normalize_line(line) not in template_lines)
    text = _HTML_COMMENT.sub(" ", text)
    text = _CHECKLIST.sub(" ", text)
    text = _BLOB_URL.sub(lambda m: f" {m.group(1)} ", text)
    return _URL.sub(" ", text)


_LINE_MARKUP = re.compile(r"^[\s#>*\-]*(?:\[[ xX]\]\s*)?")


def normalize_line(line: str) -> str:
    """A line without Markdown lead-ins, case or spacing, for comparing issue text with templates."""
    return " ".join(_LINE_MARKUP.sub("", line).lower().strip(" '\"|").split())


def analyze_query(text: str, template_lines: frozenset[str] = frozenset()) -> QueryTerms:
    text = clean_issue_text(text, template_lines)
    title = next((line for line in text.splitlines() if line.strip()), "")
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
        if len(name) < MIN_IDENTIFIER_CHARS or name.lower() in STOPWORDS or name in _KEYWORDS:
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
        title_tokens=frozenset(query_tokens(title)),
        phrases=error_phrases(text),
        prose_tokens=frozenset(query_tokens(_FENCED.sub(" ", text))),
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


def error_phrases(text: str) -> list[str]:
    """Message fragments worth finding verbatim: quoted text and what follows `SomeError:`."""
    found: dict[str, None] = {}
    candidates = [a or b for a, b in _QUOTED.findall(text)] + _EXCEPTION_LINE.findall(text)
    for candidate in candidates:
        for piece in _PHRASE_SPLIT.split(candidate):
            words = piece.strip(" .!?'\"`").lower().split()
            if len(words) >= MIN_PHRASE_WORDS:
                found.setdefault(" ".join(words))
    return list(found)[:MAX_PHRASES]
