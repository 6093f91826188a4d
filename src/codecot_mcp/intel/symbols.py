"""The index's public value types, and the outline that is built from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Containers that only group code (namespaces, Ruby/Rust modules): an outline looks through them.
TRANSPARENT_KINDS = frozenset({"module"})
OUTLINE_MEMBER_DEPTH = 1  # top-level definitions (0) and their direct members (1)


@dataclass(frozen=True)
class Symbol:
    """A definition: lines are 1-based and inclusive of the whole node (decorators too)."""

    name: str
    kind: str
    path: str
    start_line: int
    end_line: int
    parent: str | None
    signature: str


@dataclass(frozen=True)
class Reference:
    """A use of a name: a call, a type reference or an import (kind says which)."""

    name: str
    kind: str
    path: str
    line: int


@dataclass(frozen=True)
class FileInfo:
    path: str
    language: str | None
    blob: str
    lines: int
    size: int
    n_tokens: int


@dataclass(frozen=True)
class IndexStats:
    """What one refresh did: `parsed` files were read and parsed, `reused` came from the cache."""

    files: int
    parsed: int
    reused: int
    removed: int
    skipped: int
    seconds: float


def nesting(symbols: Sequence[Symbol]) -> list[tuple[Symbol, list[Symbol]]]:
    """Each symbol of one file with its enclosing symbols (outermost first), in line order."""
    ordered = sorted(symbols, key=lambda s: (s.start_line, -s.end_line, s.name))
    stack: list[Symbol] = []
    result: list[tuple[Symbol, list[Symbol]]] = []
    for symbol in ordered:
        while stack and not _contains(stack[-1], symbol):
            stack.pop()
        result.append((symbol, list(stack)))
        stack.append(symbol)
    return result


def render_outline(symbols: Sequence[Symbol], *, max_depth: int = OUTLINE_MEMBER_DEPTH) -> str:
    """One line per definition, 'line: signature', members indented under their container."""
    lines: list[str] = []
    for symbol, ancestors in nesting(symbols):
        depth = sum(1 for ancestor in ancestors if ancestor.kind not in TRANSPARENT_KINDS)
        if depth > max_depth:
            continue
        indent = "    " * len(ancestors)
        lines.append(f"{indent}{symbol.start_line}: {symbol.signature or symbol.name}")
    return "\n".join(lines)


def _contains(outer: Symbol, inner: Symbol) -> bool:
    same = (outer.start_line, outer.end_line) == (inner.start_line, inner.end_line)
    return outer.start_line <= inner.start_line and inner.end_line <= outer.end_line and not same
