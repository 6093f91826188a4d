"""Which tree-sitter grammar reads which file, loaded once per process.

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
import threading
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


@dataclass(frozen=True)
class LoadedLanguage:
    """A ready grammar: the parser and the compiled tags query."""

    name: str
    parser: Parser
    query: Query


_loaded: dict[str, LoadedLanguage | None] = {}
_lock = threading.Lock()


def language_for_path(path: str) -> str | None:
    """The language name for a repo-relative path, or None for plain text."""
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())


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
