"""Imports: what a file names (`module_specs`) and which repo files that is (`ImportResolver`).

Naming is content-only, so it is cached with the file's tags; resolving depends
on which files exist, so it is redone when the file set changes. Resolution is
best effort per language: Python dotted and relative modules, JS/TS relative
paths with extension guessing, Go package folders, Rust `crate::`/`self::`/`super::`
paths, Java class paths, C/C++ quoted includes, Ruby requires, PHP namespaces (PSR-4:
`App\\Models\\User` is a file ending `Models/User.php`) and include paths, Kotlin and
Scala package paths (their folders may leave out the root package), SwiftPM modules
(`Sources/<Module>/`), Lua `require "a.b"` (a/b.lua), Elixir modules (`Shop.Cart` is
lib/shop/cart.ex) and shell `source` paths. Imports of third-party packages simply
resolve to nothing.
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
_PHP_USE_KIND = re.compile(r"^(?:function|const)\s+")
_PHP_DIR_PATH = re.compile(r"""^(?:__DIR__|dirname\(\s*__FILE__\s*\))\s*\.\s*(['"])(.+)\1$""")
_ALIAS = re.compile(r"\s+as\s+\S+$")
_ELIXIR_MODULE = re.compile(r"^[A-Z]\w*(?:\.[A-Z]\w*)*$")
_UNDERSCORE_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_UNDERSCORE_WORD = re.compile(r"([a-z\d])([A-Z])")
# `source "$(dirname "$0")/x.sh"` and kin: a path relative to the script's own folder.
_SHELL_SCRIPT_DIR = re.compile(
    r"^(?:\$\(\s*dirname\s+[^()]*\)|\$\{BASH_SOURCE(?:\[0\])?%/\*\}|\$\{0%/\*\})(/[^$`]+)$"
)
_SHELL_VARIABLE_DIR = re.compile(r"^(?:\$\w+|\$\{\w+\})(/[^$`]+)$")  # `source "$LIB_DIR/x.sh"`

JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".d.ts")
_JS_RUNTIME_EXTENSIONS = (".js", ".jsx", ".mjs", ".cjs")
MAX_GO_PACKAGE_FILES = 20  # a Go import names a whole folder; keep the edge list small
GO_MIN_SHARED_PARTS = 2  # "internal/util" is specific enough; a lone "util" could be anyone's
MAX_PYTHON_PREFIX_PARTS = 1  # `import utils` may live under one source root (src/, lib/, tests/)
# A package-path import may match a shorter tail of itself, never less than a folder and a file:
# `com.shop.util.Money` finds util/Money.kt; a lone `Money.kt` could be anyone's.
PACKAGE_MIN_TAIL_PARTS = 2
MAX_SWIFT_MODULE_FILES = 20  # a Swift import names a whole target; keep the edge list small


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
    parse = _SPEC_PARSERS.get(language)
    if parse is not None:
        return [spec for spec in parse(text) if spec]
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


def _php_specs(text: str) -> list[str]:
    """`use A\\B, C\\{D, E as F};` names namespaces; require/include name a path."""
    if not text.startswith("use") or not text[3:4].isspace():
        found = _PHP_DIR_PATH.match(text)
        return ["./" + found.group(2).lstrip("/")] if found else [text]
    body = _PHP_USE_KIND.sub("", text[3:].strip().rstrip(";").strip())
    if "{" in body:
        prefix, _, group = body.partition("{")
        names = [
            f"{prefix.strip()}{_PHP_USE_KIND.sub('', item.strip())}" for item in group.rstrip("}").split(",")
        ]
    else:
        names = body.split(",")
    return [_ALIAS.sub("", name.strip()).lstrip("\\") for name in names if name.strip()]


def _kotlin_specs(text: str) -> list[str]:
    return [_ALIAS.sub("", text.removeprefix("import").strip()).replace("`", "")]


def _scala_specs(text: str) -> list[str]:
    """`import a.b.{C, D => E}, f.g._` names a.b.C, a.b.D and f.g.* (wildcards end in `.*`)."""
    specs: list[str] = []
    for clause in _top_level_split(text.removeprefix("import").strip()):
        prefix, brace, selectors = clause.partition("{")
        if brace:
            names = [part.split("=>")[0].strip() for part in selectors.rstrip("}").split(",")]
            specs.extend(prefix.strip() + _scala_wildcard(_ALIAS.sub("", name)) for name in names if name)
        else:
            head, _, last = _ALIAS.sub("", clause).rpartition(".")
            specs.append(f"{head}.{_scala_wildcard(last)}" if head else last)
    return specs


def _scala_wildcard(name: str) -> str:
    return "*" if name in {"_", "*", "given"} else name


def _top_level_split(text: str) -> list[str]:
    """`a.{b, c}, d` split on the commas outside braces."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _elixir_specs(text: str) -> list[str]:
    """`Shop.{Cart, Order}` names Shop.Cart and Shop.Order; anything but plain aliases is dropped."""
    prefix, brace, group = text.partition(".{")
    names = [f"{prefix}.{part.strip()}" for part in group.rstrip("}").split(",")] if brace else [text]
    return [name for name in names if _ELIXIR_MODULE.match(name)]


def _shell_specs(text: str) -> list[str]:
    quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
    return [text[1:-1] if quoted else text]


_SPEC_PARSERS: dict[str, Callable[[str], list[str]]] = {
    "php": _php_specs,
    "kotlin": _kotlin_specs,
    "scala": _scala_specs,
    "elixir": _elixir_specs,
    "bash": _shell_specs,
}


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
            "php": self._php,
            "kotlin": self._kotlin,
            "scala": self._scala,
            "swift": self._swift,
            "lua": self._lua,
            "elixir": self._elixir,
            "bash": self._shell,
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

    @cached_property
    def _swift_modules(self) -> dict[str, list[str]]:
        """SwiftPM targets: the files under each `Sources/<Module>/`."""
        index: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.paths):
            parts = path.split("/")
            if path.endswith(".swift") and "Sources" in parts[:-2]:
                index[parts[parts.index("Sources") + 1]].append(path)
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

    def _package_path(self, parts: list[str], extensions: tuple[str, ...], members: bool) -> list[str]:
        """The file of a class named by package path: the longest tail of the path that a file ends with.

        Kotlin and Scala folders may leave out the root package and PSR-4 maps a namespace
        prefix to any folder, so leading parts may go, down to PACKAGE_MIN_TAIL_PARTS. With
        `members`, `a.B.member` may name a member of class B too.
        """
        counts = (len(parts), len(parts) - 1) if members else (len(parts),)
        for count in counts:
            for start in range(count - PACKAGE_MIN_TAIL_PARTS + 1):
                tail = "/".join(parts[start:count])
                for extension in extensions:
                    found = self._by_suffix(tail + extension)
                    if found:
                        return found[:1]
        return []

    def _php(self, module: str, from_path: str) -> list[str]:
        if module.endswith((".php", ".phtml", ".inc")):  # require/include name a path
            return self._include(module, from_path)
        return self._package_path(module.split("\\"), (".php",), members=False)

    def _kotlin(self, module: str, from_path: str) -> list[str]:
        if module.endswith(".*"):
            return []
        return self._package_path(module.split("."), (".kt", ".java"), members=True)

    def _scala(self, module: str, from_path: str) -> list[str]:
        if module.endswith(".*"):
            return []
        return self._package_path(module.split("."), (".scala", ".java"), members=True)

    def _swift(self, module: str, from_path: str) -> list[str]:
        return self._swift_modules.get(module.split(".")[0], [])[:MAX_SWIFT_MODULE_FILES]

    def _lua(self, module: str, from_path: str) -> list[str]:
        stem = module.removesuffix(".lua").replace(".", "/")
        names = [f"{stem}.lua", f"{stem}/init.lua"]
        found = self._first_existing(names)
        for name in names:
            found = found or self._by_suffix(name)[:1]
        return found

    def _elixir(self, module: str, from_path: str) -> list[str]:
        """Mix's layout: `Shop.Billing.Invoice` is lib/shop/billing/invoice.ex (in any app)."""
        parts = [_underscore(part) for part in module.split(".")]
        found = self._by_suffix("lib/" + "/".join(parts) + ".ex")
        if not found and len(parts) >= PACKAGE_MIN_TAIL_PARTS:
            found = self._by_suffix("/".join(parts) + ".ex")
        return found[:1]

    def _shell(self, module: str, from_path: str) -> list[str]:
        """A sourced path: beside the script, or from the repository root (where scripts are run)."""
        here = posixpath.dirname(from_path)
        script_dir = _SHELL_SCRIPT_DIR.match(module)
        variable_dir = _SHELL_VARIABLE_DIR.match(module)
        if script_dir:
            candidates = [posixpath.join(here, "." + script_dir.group(1))]
        elif variable_dir:  # $SCRIPT_DIR or $ROOT: the script's folder or the root, whichever exists
            candidates = [posixpath.join(here, "." + variable_dir.group(1)), "." + variable_dir.group(1)]
        elif "$" in module or "`" in module or module.startswith(("/", "~")):
            return []
        else:
            candidates = [posixpath.join(here, module), module]
        normal = [posixpath.normpath(candidate) for candidate in candidates]
        return self._first_existing(path for path in normal if not path.startswith(".."))


def _underscore(name: str) -> str:
    """Elixir's Macro.underscore for one alias part: `HTTPClient` -> `http_client`."""
    return _UNDERSCORE_WORD.sub(r"\1_\2", _UNDERSCORE_ACRONYM.sub(r"\1_\2", name)).lower()


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
