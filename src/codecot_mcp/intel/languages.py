"""Which tree-sitter grammar reads which file, loaded once per process.

A file's extension names its language, with two exceptions read from the content
(`language_for`): a `.h` is C++ when it holds C++-only syntax and C otherwise, and a
file without an extension is a shell script when its shebang runs sh or bash.

Grammars come from the official wheels, never from the network. Loading is lazy
(most repositories use two or three languages) and cached per process, so every
worker of the parsing pool pays for a grammar at most once. A grammar or query
that fails to load is logged and remembered as missing: files in that language
are still indexed as text (paths and words), they just carry no tags.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

from tree_sitter import Language, Parser, Query

logger = logging.getLogger(__name__)

_QUERY_PACKAGE = "codecot_mcp.intel"
_QUERY_FOLDER = "queries"


@dataclass(frozen=True)
class LanguageSpec:
    """Where a language's grammar lives and which tags query file it uses."""

    name: str
    module: str
    function: str = "language"
    query_file: str = ""  # defaults to "<name>.scm"
    fence: str = ""  # Markdown code-fence info string; defaults to the name

    @property
    def query_name(self) -> str:
        return self.query_file or f"{self.name}.scm"

    @property
    def fence_tag(self) -> str:
        return self.fence or self.name


LANGUAGES: dict[str, LanguageSpec] = {
    spec.name: spec
    for spec in (
        LanguageSpec("python", "tree_sitter_python"),
        LanguageSpec("javascript", "tree_sitter_javascript"),
        LanguageSpec("typescript", "tree_sitter_typescript", "language_typescript"),
        # TSX shares TypeScript's node types, so one query file serves both grammars.
        LanguageSpec("tsx", "tree_sitter_typescript", "language_tsx", "typescript.scm"),
        LanguageSpec("go", "tree_sitter_go"),
        LanguageSpec("rust", "tree_sitter_rust"),
        LanguageSpec("java", "tree_sitter_java"),
        LanguageSpec("c", "tree_sitter_c"),
        LanguageSpec("cpp", "tree_sitter_cpp"),
        LanguageSpec("ruby", "tree_sitter_ruby"),
        LanguageSpec("c_sharp", "tree_sitter_c_sharp", fence="csharp"),
        # language_php reads PHP inside HTML (`<?php ... ?>`); language_php_only needs no tags.
        LanguageSpec("php", "tree_sitter_php", "language_php"),
        LanguageSpec("kotlin", "tree_sitter_kotlin"),
        LanguageSpec("swift", "tree_sitter_swift"),
        LanguageSpec("scala", "tree_sitter_scala"),
        LanguageSpec("lua", "tree_sitter_lua"),
        LanguageSpec("elixir", "tree_sitter_elixir"),
        LanguageSpec("bash", "tree_sitter_bash"),
    )
}

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".rb": "ruby",
    ".cs": "c_sharp",
    ".php": "php",
    ".phtml": "php",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".sc": "scala",
    ".lua": "lua",
    ".ex": "elixir",
    ".exs": "elixir",
    ".sh": "bash",
    ".bash": "bash",
}

# A `.h` is read as C++ when its code holds syntax C does not have. Comments, strings and
# `[[attributes]]` are taken out first, and so are `#ifdef __cplusplus` blocks: a C header's
# `extern "C"` guard, a comment about a class or C++ overloads for C++ callers do not count.
# C23's constexpr and nullptr are left out on purpose.
HEADER_SNIFF_BYTES = 65_536  # a C++ header shows it early; the scan stays cheap on big ones
_C_NOISE = re.compile(
    rb"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|\[\[[^\[\]\n]*\]\]", re.S
)
# Each pattern opens with a literal, which keeps the scan of a C header (no match) fast;
# where it must start is checked on the match (`_STARTS`).
_CPP_ONLY: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"namespace(?:\s+[\w:]+)?\s*\{"), "word"),
    (re.compile(rb"using\s+namespace\b"), "word"),
    (re.compile(rb"template\s*<"), "word"),
    (re.compile(rb"class\s+[A-Za-z_]"), "class"),  # but the Linux kernel's `struct class` is C
    (re.compile(rb"public\s*:(?!:)"), "line"),
    (re.compile(rb"private\s*:(?!:)"), "line"),
    (re.compile(rb"protected\s*:(?!:)"), "line"),
    (re.compile(rb"::~?[A-Za-z_]"), "name"),  # geo::area, Polygon<T>::size
    (re.compile(rb"#[ \t]*include[ \t]*<\w+>"), "line"),  # <vector>: C's standard headers end in .h
    (re.compile(rb"noexcept\b"), "word"),
    (re.compile(rb"(?:static|dynamic|reinterpret|const)_cast\b"), "word"),
    (re.compile(rb"operator\s*(?:\(\)|[-+*/%^&|~!=<>\[])"), "word"),
)
_PREPROCESSOR_IF = re.compile(rb"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)")
_DEFINED_CALL = re.compile(rb"defined\s*\(\s*(\w+)\s*\)")
_GROUP = re.compile(rb"\([^()]*\)")
_DEFINED_CPLUSPLUS = re.compile(rb"defined\s+__cplusplus\b")
_NOT_DEFINED_CPLUSPLUS = re.compile(rb"!\s*defined\s+__cplusplus\b")
# Scripts without an extension, by the program their `#!` line runs.
SHEBANG_LANGUAGES = {"sh": "bash", "bash": "bash", "dash": "bash"}


@dataclass(frozen=True)
class LoadedLanguage:
    """A ready grammar: the parser and the compiled tags query."""

    name: str
    parser: Parser
    query: Query


_loaded: dict[str, LoadedLanguage | None] = {}
_lock = threading.Lock()


def language_for_path(path: str) -> str | None:
    """The language name for a repo-relative path, or None for plain text (path only: a .h is c)."""
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def language_for(path: str, data: bytes) -> str | None:
    """The language of a file from its path and its bytes: what the index parses it as."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix == ".h":
        return "cpp" if is_cpp_header(data) else "c"
    if not suffix:
        return shebang_language(data)
    return EXTENSIONS.get(suffix)


def is_cpp_header(data: bytes) -> bool:
    """Whether a header's code uses syntax only C++ has (namespace, template, class, `::`...)."""
    code = _C_NOISE.sub(b" ", data[:HEADER_SNIFF_BYTES])
    # Most C headers have no candidate at all, and then the preprocessor pass is not needed.
    return _has_cpp_syntax(code) and _has_cpp_syntax(_without_cplusplus_blocks(code))


def _has_cpp_syntax(code: bytes) -> bool:
    return any(
        _STARTS[start](code, found.start())
        for pattern, start in _CPP_ONLY
        for found in pattern.finditer(code)
    )


def _after_word_break(code: bytes, at: int) -> bool:
    return at == 0 or not _is_name_byte(code[at - 1])


def _after_word_break_not_struct(code: bytes, at: int) -> bool:
    return _after_word_break(code, at) and not code[max(0, at - 16) : at].rstrip().endswith(b"struct")


def _at_line_start(code: bytes, at: int) -> bool:
    return not code[code.rfind(b"\n", 0, at) + 1 : at].strip()


def _after_name(code: bytes, at: int) -> bool:
    return at > 0 and (_is_name_byte(code[at - 1]) or code[at - 1] == ord(">"))


def _is_name_byte(byte: int) -> bool:
    return byte == ord("_") or chr(byte).isalnum()


_STARTS: dict[str, Callable[[bytes, int], bool]] = {
    "word": _after_word_break,
    "class": _after_word_break_not_struct,
    "line": _at_line_start,
    "name": _after_name,
}


def _without_cplusplus_blocks(code: bytes) -> bytes:
    """The lines a C compiler can see: branches that need `__cplusplus` are left out."""
    kept: list[bytes] = []
    # Per open #if: True while its branch needs C++, False while a branch whose #else does.
    frames: list[bool | None] = []
    for line in code.split(b"\n"):
        directive = _PREPROCESSOR_IF.match(line)
        if directive is None:
            if True not in frames:
                kept.append(line)
            continue
        kind, condition = directive.groups()
        if kind in (b"if", b"ifdef", b"ifndef"):
            frames.append(_cplusplus_guard(kind, condition.strip()))
        elif not frames:
            continue
        elif kind == b"endif":
            frames.pop()
        elif kind == b"else":
            frames[-1] = frames[-1] is False
        else:  # elif
            frames[-1] = True if _cplusplus_guard(b"if", condition.strip()) else None
    return b"\n".join(kept)


def _cplusplus_guard(kind: bytes, condition: bytes) -> bool | None:
    """True when the branch needs C++ (`#ifdef __cplusplus`, `#if X && defined(__cplusplus)`),
    False when its #else does (`#ifndef __cplusplus`, `#if !defined __cplusplus || X`), else None."""
    if kind != b"if":
        if condition != b"__cplusplus":
            return None
        return kind == b"ifdef"
    top = _DEFINED_CALL.sub(rb"defined \1", condition)
    while _GROUP.search(top):  # only the top level decides: `defined __cplusplus && (A || B)`
        top = _GROUP.sub(b"x", top)
    if _NOT_DEFINED_CPLUSPLUS.search(top):
        return False if b"&&" not in top else None
    # A bare `__cplusplus >= 201103L` is a C++ header asking for a newer standard, not a C one.
    if _DEFINED_CPLUSPLUS.search(top) and b"||" not in top:
        return True
    return None


def shebang_language(data: bytes) -> str | None:
    """The language a `#!` line names (`#!/bin/sh`, `#!/usr/bin/env bash`), or None."""
    if not data.startswith(b"#!"):
        return None
    words = data[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
    if words and PurePosixPath(words[0]).name == "env":
        words = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    return SHEBANG_LANGUAGES.get(PurePosixPath(words[0]).name) if words else None


def fence_for(language: str | None) -> str:
    """The Markdown info string for a fenced block of this language."""
    spec = LANGUAGES.get(language or "")
    return spec.fence_tag if spec else ""


def query_text(spec: LanguageSpec) -> str:
    """The tags query source shipped as package data."""
    return resources.files(_QUERY_PACKAGE).joinpath(_QUERY_FOLDER, spec.query_name).read_text("utf-8")


def queries_fingerprint() -> str:
    """A digest of every shipped query and of the extension table: either changing must
    invalidate cached tags (a new extension turns text files into code)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(repr(sorted(EXTENSIONS.items())).encode())
    for name in sorted(LANGUAGES):
        spec = LANGUAGES[name]
        digest.update(spec.query_name.encode())
        try:
            digest.update(query_text(spec).encode())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()


def load(name: str) -> LoadedLanguage | None:
    """The grammar and query for `name`, or None when it cannot be used (logged once)."""
    with _lock:
        if name in _loaded:
            return _loaded[name]
        loaded = _load_uncached(name)
        _loaded[name] = loaded
        return loaded


def _load_uncached(name: str) -> LoadedLanguage | None:
    spec = LANGUAGES.get(name)
    if spec is None:
        return None
    try:
        module = importlib.import_module(spec.module)
        language = Language(getattr(module, spec.function)())
        query = Query(language, query_text(spec))
        return LoadedLanguage(name, Parser(language), query)
    except Exception as exc:  # any failure here must only cost the tags, never the index
        logger.warning(
            "codecot: %s files will be indexed as text only (%s: %s)", name, type(exc).__name__, exc
        )
        return None
