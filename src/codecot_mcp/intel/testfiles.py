"""The test files that exercise a source file, found in the repository's own layout.

A task's scope must hold the tests its change needs, and repository-wide globs
such as `**/test_x.py` both miss the real layout (`tests/unit/test_x_core.py`,
`x_test.go` beside the file, `__tests__/x.test.ts`) and admit files nobody meant.
So the tests are looked up among the files that really exist: first by name
(the file's stem in a test file's name), then by imports (test files that import
the module), nearest folder first. Pure: it takes the listing and the importers.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from codecot_mcp.domain.scope import is_test_path

# A test file's name, with the test markers taken off, must equal the stem or start with it
# plus a separator ('test_fields.py', 'fields_test.go', 'fields.spec.ts', 'test_fields_nested.py').
_MARKERS = re.compile(r"^(?:test_|tests_|unittest_)|(?:_tests?|\.test|\.spec|_spec|Tests?)$")
# Stems this short or this generic name too many unrelated tests to be evidence by name alone.
MIN_STEM_CHARS = 3
_GENERIC_STEMS = frozenset({"index", "main", "utils", "util", "base", "core", "init", "__init__", "mod"})


def _bare(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.removesuffix(".test").removesuffix(".spec")
    return _MARKERS.sub("", _MARKERS.sub("", stem))


def _named_after(stem: str, test_path: str) -> bool:
    bare = _bare(posixpath.basename(test_path)).lower()
    stem = stem.lower()
    return bare == stem or bare.startswith((stem + "_", stem + "."))


# A shared word this long names the same subject ('jsonrep' / 'test_json', 'numpy_handler' /
# 'test_numpy_pixel_data', 'brain_typing' / 'test_typing'); shorter ones ('io', 'api') do not.
MIN_SHARED_WORD_CHARS = 4
_WORDS = re.compile(r"[a-z0-9]+")
_GENERIC_WORDS = frozenset(
    {"data", "base", "core", "util", "utils", "main", "test", "tests", "init", "common"}
)


def _words(name: str) -> set[str]:
    return {w for w in _WORDS.findall(name.lower()) if len(w) >= MIN_SHARED_WORD_CHARS} - _GENERIC_WORDS


def _shares_word(stem: str, test_path: str) -> bool:
    """A weaker name match: the test's name and the file's stem share a distinctive word or prefix."""
    bare = _bare(posixpath.basename(test_path)).lower()
    mine, theirs = _words(stem), _words(bare)
    if mine & theirs:
        return True
    return any(a.startswith(b) or b.startswith(a) for a in mine for b in theirs)


def _distance(a: str, b: str) -> int:
    """Folders between two files: how far apart they sit in the tree."""
    left, right = posixpath.dirname(a).split("/"), posixpath.dirname(b).split("/")
    shared = 0
    for x, y in zip(left, right, strict=False):
        if x != y:
            break
        shared += 1
    return len(left) + len(right) - 2 * shared


def tests_for(path: str, files: Sequence[str], importers: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` existing test files of `path`: named after it first, then importing it, nearest first."""
    if is_test_path(path):
        return []
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    named: list[str] = []
    alike: list[str] = []
    if len(stem) >= MIN_STEM_CHARS and stem.lower() not in _GENERIC_STEMS:
        tests = [f for f in files if f != path and is_test_path(f)]
        named = [f for f in tests if _named_after(stem, f)]
        alike = [f for f in tests if f not in named and _shares_word(stem, f)]
    importing = [f for f in importers if f != path and is_test_path(f) and f not in named]
    ordered = sorted(named, key=lambda f: (_distance(path, f), f))
    ordered += sorted((f for f in alike if f in importing), key=lambda f: (_distance(path, f), f))
    ordered += sorted((f for f in alike if f not in importing), key=lambda f: (_distance(path, f), f))
    ordered += sorted((f for f in importing if f not in alike), key=lambda f: (_distance(path, f), f))
    return ordered[: max(0, limit)]
