"""Words for lexical search: identifiers split the way people write them in prose.

An issue says "parse args" or "ParseArgs" where the code says `parse_args`, so
every identifier counts both as itself and as its snake_case / camelCase parts,
all lowercased. The same functions tokenize files at index time and queries at
ranking time, which is what makes the two comparable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePosixPath

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Camel parts: "HTTPServer2" -> HTTP, Server2; "parseArgs" -> parse, Args.
_CAMEL_PART = re.compile(r"[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+")
_PATH_SPLIT = re.compile(r"[^A-Za-z0-9_]+")

MIN_TOKEN_CHARS = 2  # single letters (i, x, T) are noise in every file
MAX_TOKEN_CHARS = 64  # longer runs are hashes or base64, not words anyone searches for

# Prose words that carry no signal in a query; code keywords are left to IDF.
_STOPWORD_TEXT = """a an and are as at be but by can could did do does doing done for from had has have
    having he her here hers him his how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our out over own same she should so some
    such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would
    you your yours also any all each few get got like make made use used using want need
    seems seem way ok okay please thanks hi hello e g eg ie etc"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=65536)
def split_identifier(identifier: str) -> tuple[str, ...]:
    """The lowercased snake_case / camelCase parts of an identifier, in order."""
    parts: list[str] = []
    for chunk in identifier.split("_"):
        if chunk:
            parts.extend(part.lower() for part in _CAMEL_PART.findall(chunk))
    return tuple(parts)


@lru_cache(maxsize=65536)
def identifier_tokens(identifier: str) -> tuple[str, ...]:
    """Search tokens of one identifier: its parts plus the whole name, lowercased."""
    whole = identifier.lower()
    tokens = [part for part in split_identifier(identifier) if _usable(part)]
    if _usable(whole) and whole not in tokens:
        tokens.append(whole)
    return tuple(tokens)


def normalize_name(identifier: str) -> str:
    """One spelling for `parse_args`, `parseArgs` and `ParseArgs`: parts joined by '_'."""
    return "_".join(split_identifier(identifier)) or identifier.lower()


def text_token_counts(text: str) -> dict[str, int]:
    """Term frequencies of a file's text.

    Identifiers are counted first (in C), then each distinct one is split once: a file
    names the same identifiers over and over, so this splits a fraction of its words.
    """
    counts: dict[str, int] = {}
    get = counts.get
    for identifier, n in Counter(IDENTIFIER.findall(text)).items():
        for token in identifier_tokens(identifier):
            counts[token] = get(token, 0) + n
    return counts


def path_tokens(path: str) -> list[str]:
    """Tokens of a path's folders and file stem (the extension says little)."""
    pure = PurePosixPath(path)
    chunks = [*pure.parts[:-1], pure.stem]
    tokens: list[str] = []
    for chunk in chunks:
        for word in _PATH_SPLIT.split(chunk):
            if word:
                tokens.extend(identifier_tokens(word))
    return tokens


def query_tokens(text: str) -> list[str]:
    """Distinct search tokens of a free-text query, stopwords removed, in first-seen order."""
    seen: dict[str, None] = {}
    for identifier in IDENTIFIER.findall(text):
        for token in identifier_tokens(identifier):
            if token not in STOPWORDS:
                seen.setdefault(token)
    return list(seen)


def distinct(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def _usable(token: str) -> bool:
    return MIN_TOKEN_CHARS <= len(token) <= MAX_TOKEN_CHARS
