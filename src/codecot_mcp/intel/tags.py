"""Definitions, references and imports of one file, read from its syntax tree.

The tags queries (`queries/<language>.scm`) say *what* to capture; this module
turns captures into rows: whole-definition line spans, the enclosing definition
of each one, a one-line signature, and references that are not themselves the
name of a definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from tree_sitter import Node, QueryCursor

from codecot_mcp.intel.imports import module_specs
from codecot_mcp.intel.languages import LoadedLanguage

_DEFINITION_NAME = "name.definition."
_DEFINITION_NODE = "definition."
_REFERENCE_NAME = "name.reference."
IMPORT_KIND = "import"

# A definition's span includes these wrappers (decorators, `template <...>`, `export`).
_WRAPPERS = frozenset({"decorated_definition", "template_declaration", "export_statement"})
# A function directly inside one of these is a method.
CLASS_LIKE_KINDS = frozenset({"class", "struct", "interface", "trait", "impl", "enum"})
_BODY_SEARCH_DEPTH = 3  # arrow functions keep their body two levels below the declaration

SIGNATURE_MAX_LINES = 6
SIGNATURE_MAX_CHARS = 240
MAX_REFERENCES_PER_FILE = 5000  # generated files can hold tens of thousands of calls

_OPEN_PAREN_SPACE = re.compile(r"([(\[])\s+")
_CLOSE_PAREN_SPACE = re.compile(r",?\s+([)\]])")


class Definition(NamedTuple):
    name: str
    kind: str
    start_line: int
    end_line: int
    parent: str | None
    signature: str


class RawReference(NamedTuple):
    name: str
    kind: str
    line: int


class RawImport(NamedTuple):
    module: str
    line: int


@dataclass(frozen=True)
class FileTags:
    definitions: list[Definition]
    references: list[RawReference]
    imports: list[RawImport]


@dataclass
class _Found:
    pattern: int
    kind: str
    name: str
    node: Node  # the definition node itself (signature starts here)
    span: Node  # the node whose lines are the definition's span (may be a wrapper)


def extract_tags(loaded: LoadedLanguage, source: bytes) -> FileTags:
    """Run the language's tags query over `source` and shape the captures."""
    tree = loaded.parser.parse(source)
    found: dict[tuple[int, int], _Found] = {}
    references: list[tuple[str, Node]] = []
    for pattern, captures in QueryCursor(loaded.query).matches(tree.root_node):
        for capture, nodes in captures.items():
            if capture.startswith(_DEFINITION_NAME):
                kind = capture[len(_DEFINITION_NAME) :]
                whole = captures.get(_DEFINITION_NODE + kind)
                if whole and nodes:
                    _remember(found, pattern, kind, nodes[0], whole[0], source)
            elif capture.startswith(_REFERENCE_NAME):
                kind = capture[len(_REFERENCE_NAME) :]
                references.extend((kind, node) for node in nodes)
    definitions = _nest(sorted(found.values(), key=lambda f: (f.span.start_byte, -f.span.end_byte)), source)
    return FileTags(definitions, *_split_references(loaded.name, references, found, source))


def _remember(
    found: dict[tuple[int, int], _Found], pattern: int, kind: str, name: Node, node: Node, source: bytes
) -> None:
    """Keep one definition per name node: the first pattern in the query file wins."""
    key = (name.start_byte, name.end_byte)
    current = found.get(key)
    if current is not None and current.pattern <= pattern:
        return
    span = node.parent if node.parent is not None and node.parent.type in _WRAPPERS else node
    found[key] = _Found(pattern, kind, _text(source, name), node, span)


def _nest(ordered: list[_Found], source: bytes) -> list[Definition]:
    """Attach each definition to its innermost enclosing one; functions in classes become methods."""
    stack: list[tuple[_Found, str]] = []
    result: list[Definition] = []
    for item in ordered:
        while stack and not _encloses(stack[-1][0].span, item.span):
            stack.pop()
        parent = stack[-1] if stack else None
        kind = item.kind
        if kind == "function" and parent is not None and parent[1] in CLASS_LIKE_KINDS:
            kind = "method"
        start, end = _lines(item.span)
        result.append(
            Definition(
                item.name, kind, start, end, parent[0].name if parent else None, _signature(item.node, source)
            )
        )
        stack.append((item, kind))
    return result


def _encloses(outer: Node, inner: Node) -> bool:
    same = outer.start_byte == inner.start_byte and outer.end_byte == inner.end_byte
    return not same and outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def _split_references(
    language: str, captured: list[tuple[str, Node]], found: dict[tuple[int, int], _Found], source: bytes
) -> tuple[list[RawReference], list[RawImport]]:
    references: dict[tuple[str, str, int], None] = {}
    imports: dict[tuple[str, int], None] = {}
    for kind, node in captured:
        line = node.start_point.row + 1
        if kind == IMPORT_KIND:
            parent_type = node.parent.type if node.parent is not None else ""
            for module in module_specs(language, _text(source, node), parent_type):
                imports.setdefault((module, line))
        elif (node.start_byte, node.end_byte) not in found and len(references) < MAX_REFERENCES_PER_FILE:
            references.setdefault((_text(source, node), kind, line))
    return (
        [RawReference(name, kind, line) for name, kind, line in references],
        [RawImport(module, line) for module, line in imports],
    )


def _signature(node: Node, source: bytes) -> str:
    """The definition's head: its text up to the body, whitespace collapsed onto one line."""
    body = _find_body(node)
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    lines = source[node.start_byte : end].decode("utf-8", "replace").splitlines()
    if body is None:
        lines = lines[:1]
    head = " ".join(line.strip() for line in lines[:SIGNATURE_MAX_LINES] if line.strip())
    head = _CLOSE_PAREN_SPACE.sub(r"\1", _OPEN_PAREN_SPACE.sub(r"\1", head))
    return head if len(head) <= SIGNATURE_MAX_CHARS else head[: SIGNATURE_MAX_CHARS - 1] + "…"


def _find_body(node: Node) -> Node | None:
    """The nearest `body` field at or below `node` (breadth first, a few levels deep)."""
    level = [node]
    for _ in range(_BODY_SEARCH_DEPTH):
        following: list[Node] = []
        for current in level:
            body = current.child_by_field_name("body")
            if body is not None:
                return body
            following.extend(current.named_children)
        level = following
    return None


def _lines(node: Node) -> tuple[int, int]:
    """1-based inclusive lines; a node ending at column 0 ends on the line before."""
    start = node.start_point.row + 1
    end_row, end_column = node.end_point
    end = end_row if end_column == 0 and end_row + 1 > start else end_row + 1
    return start, max(start, end)


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")
