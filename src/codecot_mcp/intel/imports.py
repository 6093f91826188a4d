"""Imports: what a file names (`module_specs`) and which repo files that is (`ImportResolver`).

Naming is content-only, so it is cached with the file's tags; resolving depends
on which files exist, so it is redone when the file set changes. Resolution is
best effort per language: Python dotted and relative modules, JS/TS relative
paths with extension guessing, Go package folders, Rust `crate::`/`self::`/`super::`
paths, Java class paths, C/C++ quoted includes and Ruby requires. Imports of
third-party packages simply resolve to nothing.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import PurePosixPath

_PY_COMMENT = re.compile(r"#[^\n]*")
_PY_FROM = re.compile(r"^\s*from\s+(\S+)\s+import\s+(.+)$", re.S)
_PY_IMPORT = re.compile(r"^\s*import\s+(.+)$", re.S)
_RUST_GROUP = re.compile(r"::\s*\{.*$", re.S)

JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".d.ts")
_JS_RUNTIME_EXTENSIONS = (".js", ".jsx", ".mjs", ".cjs")
MAX_GO_PACKAGE_FILES = 20  # a Go import names a whole folder; keep the edge list small
GO_MIN_SHARED_PARTS = 2  # "internal/util" is specific enough; a lone "util" could be anyone's
MAX_PYTHON_PREFIX_PARTS = 1  # `import utils` may live under one source root (src/, lib/, tests/)


def module_specs(language: str, text: str, parent_type: str = "") -> list[str]:
    """The module names one captured import node stands for."""
    text = text.strip()
    if language == "python":
        return _python_specs(text)
    if language == "go":
        return [text.strip('"`')]
    if language == "rust":
        if parent_type == "mod_item":
            return [f"self::{text}"]
        return [_RUST_GROUP.sub("", text).split(" as ")[0].strip()]
    return [text] if text else []


def _python_specs(statement: str) -> list[str]:
    flat = _PY_COMMENT.sub("", statement).replace("\\\n", " ").replace("(", " ").replace(")", " ")
    found = _PY_FROM.match(flat)
    if found:
        base = found.group(1)
        names = [_first_word(part) for part in found.group(2).split(",")]
        joined = [
            base + name if base.endswith(".") else f"{base}.{name}" for name in names if name and name != "*"
        ]
        return [base, *joined]
    found = _PY_IMPORT.match(flat)
    if found:
        return [name for name in (_first_word(part) for part in found.group(1).split(",")) if name]
    return []


def _first_word(part: str) -> str:
    words = part.split()
    return words[0] if words else ""


class ImportResolver:
    """Maps module specs to repo-relative paths for one snapshot of the file list."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = frozenset(paths)
        self._by_language: dict[str, Callable[[str, str], list[str]]] = {
            "python": self._python,
            "javascript": self._javascript,
            "typescript": self._javascript,
            "tsx": self._javascript,
            "go": self._go,
            "rust": self._rust,
            "java": self._java,
            "c": self._include,
            "cpp": self._include,
            "ruby": self._ruby,
        }

    def resolve(self, language: str, module: str, from_path: str) -> list[str]:
        handler = self._by_language.get(language)
        if handler is None or not module:
            return []
        return [path for path in handler(module, from_path) if path != from_path]

    # ------------------------------------------------------------ indexes

    @cached_property
    def _by_basename(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.paths):
            index[posixpath.basename(path)].append(path)
        return index

    @cached_property
    def _python_modules(self) -> dict[str, list[tuple[int, str]]]:
        """Every dotted suffix of every Python module -> (number of leading parts dropped, path)."""
        index: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for path in sorted(self.paths):
            if not path.endswith((".py", ".pyi")):
                continue
            parts = path.rsplit(".", 1)[0].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for dropped in range(len(parts)):
                index[".".join(parts[dropped:])].append((dropped, path))
        return index

    @cached_property
    def _go_dirs(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.paths):
            if path.endswith(".go") and not path.endswith("_test.go"):
                index[posixpath.dirname(path)].append(path)
        return index

    def _first_existing(self, candidates: Iterable[str]) -> list[str]:
        for candidate in candidates:
            if candidate in self.paths:
                return [candidate]
        return []

    def _by_suffix(self, suffix: str) -> list[str]:
        """Paths equal to `suffix` or ending with '/suffix', shortest first."""
        matches = [
            path
            for path in self._by_basename.get(posixpath.basename(suffix), [])
            if path == suffix or path.endswith("/" + suffix)
        ]
        return sorted(matches, key=lambda path: (path.count("/"), path))

    # ------------------------------------------------------------ languages

    def _python(self, module: str, from_path: str) -> list[str]:
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            base = PurePosixPath(from_path).parent
            for _ in range(dots - 1):
                base = base.parent
            rest = module[dots:].replace(".", "/")
            target = str(base / rest) if rest else str(base)
            target = "" if target == "." else target
            prefix = f"{target}/" if target else ""
            return self._first_existing(
                [f"{target}.py", f"{target}.pyi", f"{prefix}__init__.py"]
                if rest
                else [f"{prefix}__init__.py"]
            )
        candidates = self._python_modules.get(module, [])
        here = posixpath.dirname(from_path)
        usable = [
            (dropped, path)
            for dropped, path in candidates
            if "." in module or dropped <= MAX_PYTHON_PREFIX_PARTS or posixpath.dirname(path) == here
        ]
        if not usable:
            return []
        usable.sort(key=lambda item: (item[0], -_shared_prefix(item[1], from_path), item[1]))
        return [usable[0][1]]

    def _javascript(self, module: str, from_path: str) -> list[str]:
        if not module.startswith("."):
            return []
        base = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), module))
        if base.startswith(".."):
            return []
        stems = [base]
        if base.endswith(_JS_RUNTIME_EXTENSIONS):  # TS sources import "./x.js" meaning ./x.ts
            stems.append(base.rsplit(".", 1)[0])
        candidates = [base]
        for stem in stems:
            candidates.extend(stem + ext for ext in JS_EXTENSIONS)
            candidates.extend(f"{stem}/index{ext}" for ext in JS_EXTENSIONS)
        return self._first_existing(candidates)

    def _go(self, module: str, from_path: str) -> list[str]:
        """The folder sharing the longest tail with the import path (go.mod may sit in a subfolder)."""
        wanted = module.split("/")
        needed = min(GO_MIN_SHARED_PARTS, len(wanted))
        best, best_shared = "", 0
        for folder in self._go_dirs:
            shared = _shared_tail(wanted, folder.split("/")) if folder else 0
            better = shared > best_shared or (shared == best_shared and len(folder) < len(best))
            if shared >= needed and better:
                best, best_shared = folder, shared
        return self._go_dirs.get(best, [])[:MAX_GO_PACKAGE_FILES] if best else []

    def _rust(self, module: str, from_path: str) -> list[str]:
        parts = [part.strip() for part in module.split("::") if part.strip()]
        if len(parts) < 2:
            return []
        here = PurePosixPath(from_path)
        own = here.parent if here.stem in {"mod", "lib", "main"} else here.parent / here.stem
        head, rest = parts[0], parts[1:]
        if head == "crate":
            src = [p for p in [*reversed(here.parents)] if p.name == "src"]
            base = src[-1] if src else here.parents[len(here.parents) - 1]
        elif head == "self":
            base = own
        elif head == "super":
            base = own.parent
        else:
            return []
        for count in range(len(rest), 0, -1):
            stem = base.joinpath(*rest[:count])
            found = self._first_existing([f"{stem}.rs", f"{stem}/mod.rs"])
            if found:
                return found
        return []

    def _java(self, module: str, from_path: str) -> list[str]:
        parts = module.replace("static ", "").strip().split(".")
        if parts[-1] == "*":
            return []
        for count in (len(parts), len(parts) - 1):  # `import static a.B.method` names a member of B
            if count >= 1:
                found = self._by_suffix("/".join(parts[:count]) + ".java")
                if found:
                    return found[:1]
        return []

    def _include(self, module: str, from_path: str) -> list[str]:
        local = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), module))
        if local in self.paths:
            return [local]
        return self._by_suffix(module.lstrip("./"))[:1]

    def _ruby(self, module: str, from_path: str) -> list[str]:
        name = module if module.endswith(".rb") else f"{module}.rb"
        local = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), name))
        found = self._first_existing([local, f"lib/{name}"])
        return found or self._by_suffix(name)[:1]


def _shared_prefix(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a.split("/"), b.split("/"), strict=False):
        if left != right:
            break
        count += 1
    return count


def _shared_tail(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(reversed(left), reversed(right), strict=False):
        if a != b:
            break
        count += 1
    return count
