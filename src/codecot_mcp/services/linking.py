"""Grounding words in code: which names from a discussion exist in the repository."""

from __future__ import annotations

from collections.abc import Iterable

from codecot_mcp.domain.models import CodeLink
from codecot_mcp.intel.index import CodeIndex

MAX_LINKS_PER_NAME = 3
MAX_LINKS = 40
# Names this short are locals of pasted code (`a`, `x0`), never worth a link to a definition.
MIN_SYMBOL_LENGTH = 3


def link_identifiers(index: CodeIndex, candidates: Iterable[str]) -> list[CodeLink]:
    """Resolve code-looking tokens to files and definitions; unknown tokens are dropped."""
    files = index.files()
    by_name: dict[str, list[str]] = {}
    for path in files:
        by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
    links: list[CodeLink] = []
    seen: set[tuple[str, str, str | None]] = set()

    def add(link: CodeLink) -> None:
        key = (link.text, link.path, link.symbol)
        if key not in seen and len(links) < MAX_LINKS:
            seen.add(key)
            links.append(link)

    for raw in candidates:
        token = raw.strip().strip("`'\"()[]{}<>,;:").removeprefix("./")
        if not token:
            continue
        if index.has_file(token):
            add(CodeLink(text=raw, kind="file", path=token))
            continue
        if "/" not in token and token in by_name and len(by_name[token]) <= MAX_LINKS_PER_NAME:
            for path in by_name[token]:
                add(CodeLink(text=raw, kind="file", path=path))
            continue
        name = token.removesuffix("()").rsplit(".", 1)[-1] if "." in token and "/" not in token else token
        name = name.removesuffix("()")
        if not name.isidentifier() or len(name) < MIN_SYMBOL_LENGTH:
            continue
        for symbol in index.definitions(name)[:MAX_LINKS_PER_NAME]:
            add(
                CodeLink(
                    text=raw, kind="symbol", path=symbol.path, symbol=symbol.name, line=symbol.start_line
                )
            )
    return links
