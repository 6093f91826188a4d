"""Properties of the diff parser's pure parts, against a model of what git writes.

The model follows git's quote.c and diff.c: a name is C-quoted as a whole when it
holds a control character, `"` or `\\` (bytes >= 0x80 only when core.quotePath is on,
which Codecot turns off), and an unquoted name with a space gets a tab after it in
the `---`/`+++` lines.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel import diff
from codecot_mcp.intel.diff import _line_starts, _patch_name, _unquote
from codecot_mcp.intel.gitcli import check_ref

_LETTERS = {0x07: b"a", 0x08: b"b", 0x09: b"t", 0x0A: b"n", 0x0B: b"v", 0x0C: b"f", 0x0D: b"r"}


def needs_quoting(name: bytes, high: bool) -> bool:
    return any(b < 0x20 or b == 0x7F or b in b'"\\' or (high and b >= 0x80) for b in name)


def c_quote(name: bytes, high: bool = True) -> bytes:
    """Quote `name` the way git's quote_c_style does."""
    out = bytearray(b'"')
    for byte in name:
        if byte in _LETTERS:
            out += b"\\" + _LETTERS[byte]
        elif byte in b'"\\':
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte == 0x7F or (high and byte >= 0x80):
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out + b'"')


def header_name(prefix: bytes, name: bytes) -> bytes:
    """A name as it follows `--- ` or `+++ ` with core.quotePath=false."""
    full = prefix + name
    if needs_quoting(full, high=False):
        return c_quote(full, high=False)
    return full + (b"\t" if b" " in full else b"")


names = st.binary(min_size=1, max_size=24).filter(lambda b: b"\0" not in b)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.booleans(), st.binary(max_size=8))
def test_unquote_gives_back_any_bytes_git_quoted(raw: bytes, high: bool, after: bytes) -> None:
    assert _unquote(c_quote(raw, high) + after) == raw


@settings(max_examples=200, deadline=None)
@given(names, st.sampled_from([b"a/", b"b/"]))
def test_a_header_name_comes_back_as_the_bytes_git_stored(name: bytes, prefix: bytes) -> None:
    assert _patch_name(header_name(prefix, name)) == prefix + name


def expected_starts(data: bytes, cap: int) -> list[bytes]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the text after a final newline is no line
    return [line[:cap] for line in lines]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=40) | st.sampled_from([b"", b"\r", b"x" * 17]), max_size=12).map(b"\n".join),
    st.booleans(),
    st.integers(min_value=1, max_value=16),
)
def test_line_starts_keeps_every_line_start_and_no_more_than_the_cap(
    data: bytes, final: bool, cap: int
) -> None:
    data += b"\n" if final else b""
    with mock.patch.object(diff, "_LINE_BYTES", cap):
        starts = list(_line_starts(io.BytesIO(data)))
    assert starts == expected_starts(data, cap)
    assert all(len(start) <= cap for start in starts)


def test_line_starts_cuts_a_huge_line_at_the_real_cap() -> None:
    data = b"+" + b"x" * (3 * diff._LINE_BYTES) + b"\n@@ -1 +1 @@\n"
    starts = list(_line_starts(io.BytesIO(data)))
    assert [len(s) for s in starts] == [diff._LINE_BYTES, len(b"@@ -1 +1 @@")]


# ---------------------------------------------------------------- --raw, --numstat and -U0 together


@dataclass
class Entry:
    """One file as git would report it, with what the parser should make of it."""

    name: bytes
    code: str  # A M D R C T
    old_name: bytes | None
    modes: tuple[bytes, bytes]
    binary: bool
    hunks: list[tuple[int, int, int, int]]  # old start, old count, new start, new count
    context: bytes  # text git may put after the second @@


@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    all_names = draw(st.lists(names, min_size=1, max_size=10, unique=True))
    count = draw(st.integers(min_value=1, max_value=(len(all_names) + 1) // 2))
    spare = iter(all_names[count:])
    out: list[Entry] = []
    for name in all_names[:count]:
        code = draw(st.sampled_from("AMDRCT"))
        old = next(spare, None) if code in "RC" else None
        if code in "RC" and old is None:
            code = "M"
        mode = draw(st.sampled_from([b"100644", b"100755", b"120000", b"160000"]))
        other = draw(st.sampled_from([mode, b"100644", b"100755", b"160000"]))
        modes = {"A": (b"000000", mode), "D": (mode, b"000000")}.get(code, (other, mode))
        numbers = st.integers(min_value=0, max_value=50)
        hunks = [
            (
                draw(numbers),
                0 if code == "A" else draw(numbers),
                draw(numbers),
                0 if code == "D" else draw(numbers),
            )
            for _ in range(draw(st.integers(min_value=0, max_value=3)))
        ]
        binary = draw(st.booleans())
        context = draw(st.binary(max_size=10).map(lambda b: b.replace(b"\n", b"")))
        out.append(Entry(name, code, old, modes, binary, [] if binary else hunks, context))
    return out


def raw_output(files: list[Entry]) -> bytes:
    out = b""
    for f in files:
        score = b"100" if f.code in "RC" else b""
        meta = b":%s %s 1111111 2222222 %s%s" % (f.modes[0], f.modes[1], f.code.encode(), score)
        out += meta + b"\0" + (f.old_name + b"\0" if f.old_name else b"") + f.name + b"\0"
    return out


def numstat_output(files: list[Entry]) -> bytes:
    out = b""
    for f in files:
        counts = b"-\t-\t" if f.binary else b"%d\t%d\t" % added_deleted(f)
        out += counts + (b"\0" + f.old_name + b"\0" if f.old_name else b"") + f.name + b"\0"
    return out


def added_deleted(f: Entry) -> tuple[int, int]:
    return sum(h[3] for h in f.hunks), sum(h[1] for h in f.hunks)


def hunk_header(old_start: int, old_count: int, start: int, count: int) -> bytes:
    def side(sign: bytes, begin: int, n: int) -> bytes:
        return sign + (b"%d" % begin if n == 1 else b"%d,%d" % (begin, n))

    return b"@@ " + side(b"-", old_start, old_count) + b" " + side(b"+", start, count) + b" @@"


def patch_output(files: list[Entry], body: bytes) -> bytes:
    """A -U0 patch; every hunk line is `body`, which may itself look like a header."""
    out = b""
    for f in files:
        source = f.old_name or f.name
        a = c_quote(b"a/" + source, False) if needs_quoting(b"a/" + source, False) else b"a/" + source
        b = c_quote(b"b/" + f.name, False) if needs_quoting(b"b/" + f.name, False) else b"b/" + f.name
        out += b"diff --git " + a + b" " + b + b"\n"
        if f.modes[0] != f.modes[1] and b"000000" not in f.modes:
            out += b"old mode %s\nnew mode %s\n" % f.modes
        if f.code in "RC":
            out += b"similarity index 90%\n"
        if f.binary:
            out += b"Binary files differ\n"
            continue
        if not f.hunks:
            continue
        old_side = b"/dev/null" if f.code == "A" else header_name(b"a/", source)
        new_side = b"/dev/null" if f.code == "D" else header_name(b"b/", f.name)
        out += b"--- " + old_side + b"\n+++ " + new_side + b"\n"
        for old_start, old_count, start, count in f.hunks:
            out += hunk_header(old_start, old_count, start, count) + f.context + b"\n"
            out += (b"-" + body + b"\n") * old_count + (b"+" + body + b"\n") * count
    return out


@settings(max_examples=150, deadline=None)
@given(
    entries(), st.sampled_from([b"", b"-- a/x", b"++ b/x", b"@@ -9 +9 @@", b"diff --git a/x b/x", b"x" * 9])
)
def test_raw_numstat_and_patch_of_any_names_are_read_back(files: list[Entry], body: bytes) -> None:
    outputs = {"--raw": raw_output(files), "--numstat": numstat_output(files)}

    def git_output(workdir: Path, args: list[str]) -> bytes:
        return next(text for flag, text in outputs.items() if flag in args)

    @contextmanager
    def git_stream(workdir: Path, args: list[str]) -> Iterator[io.BytesIO]:
        assert "-U0" in args
        yield io.BytesIO(patch_output(files, body))

    with (
        mock.patch.object(diff, "git_output", git_output),
        mock.patch.object(diff, "git_stream", git_stream),
    ):
        changed = {c.raw_path: c for c in diff._tracked_changes(Path("."), ["HEAD"])}

    assert set(changed) == {f.name for f in files}
    for f in files:
        got = changed[f.name]
        old_mode, new_mode = f.modes
        want: dict[str, Any] = {
            "status": diff._STATUS[f.code],
            "old_path": diff._display(f.old_name) if f.code == "R" and f.old_name else None,
            "binary": f.binary,
            "added": 0 if f.binary else added_deleted(f)[0],
            "deleted": 0 if f.binary else added_deleted(f)[1],
            "hunks": [(s, s + n - 1) for _, _, s, n in f.hunks if n and f.code != "D"],
            "old_hunks": [(s, s + n - 1) for s, n, _, _ in f.hunks if n],
            "mode_change": None
            if old_mode == new_mode or b"000000" in f.modes
            else f"{old_mode.decode()} -> {new_mode.decode()}",
            "submodule": b"160000" in f.modes,
            "path": f.name.decode("utf-8", "backslashreplace"),
        }
        assert {key: getattr(got, key) for key in want} == want, f


# ---------------------------------------------------------------- refs reach git whole or not at all

refs = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/@{}~^-]{0,40}", fullmatch=True).filter(lambda r: ".." not in r)


@settings(max_examples=200, deadline=None)
@given(refs, st.sampled_from(["\n", "\r", "\r\n", "\x00", " ", "\t", "\u2028", "\n--output=x"]))
def test_a_usable_ref_with_anything_before_or_after_it_is_refused(ref: str, extra: str) -> None:
    assert check_ref(ref) == ref
    for bad in (ref + extra, extra + ref):
        with pytest.raises(InvalidInputError, match="not a usable git revision"):
            check_ref(bad)
