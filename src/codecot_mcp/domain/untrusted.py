"""The one rule for showing untrusted text to an agent: it stays data.

File contents, paths, check output and discussion text can hold anything, including
text written to look like instructions. A block goes in a fence it cannot close; a
path or other short label is escaped onto one line. The context pack, briefs,
prompts, the repo map and PR bodies all use these helpers.
"""

from __future__ import annotations

import re
import unicodedata

_BACKTICKS = re.compile(r"`+")
_INFO_UNSAFE = re.compile(r"[^\w+#.-]")  # a fence's info string must not hold backticks or spaces
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, invisible formats, lone surrogates, line separators
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_MARKDOWN_ACTIVE = str.maketrans({"\\": "\\\\", "`": "\\`", "|": "\\|"})


def data_fence(text: str) -> str:
    """A backtick fence longer than any backtick run in `text`, so no line of `text` can close it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def fenced(text: str, info: str = "", *, indent: str = "") -> str:
    """`text` as a fenced block that ends only at its own closing fence, whatever `text` holds.

    With `indent` (e.g. inside a list item) every line is indented, so no line falls out of
    the container and ends the block early.
    """
    fence = data_fence(text)
    lines = text.splitlines() if indent else [text] if text else []
    return "\n".join(indent + line for line in [fence + _INFO_UNSAFE.sub("", info), *lines, fence])


def inline_code(text: str) -> str:
    """`text` as a Markdown code span whose delimiters no backtick run inside it can match."""
    ticks = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape_controls(text: str) -> str:
    """`text` kept on one line: line breaks, controls and invisible format characters as escapes.

    For Codecot's own one-line sentences (reasons, headers) that quote untrusted pieces.
    """
    if text.isprintable():
        return text
    return "".join(_escape(char) if unicodedata.category(char) in _HIDDEN else char for char in text)


def display_path(path: str) -> str:
    """A path (or another short untrusted label) as one line of Markdown-safe text.

    Backslashes, backticks and pipes are escaped with a backslash, so the path cannot open
    code or split a table cell; control characters are escaped as in `escape_controls`.
    """
    return escape_controls(path.translate(_MARKDOWN_ACTIVE))


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
