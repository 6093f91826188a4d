"""Scope rules: which paths a task may touch, and how a change measures up.

Globs use `*` within one path segment, `?` for one character and `**` for any
number of folders (`src/**/*.py`); a pattern ending in `/` means everything
below that folder. Forbidden wins over allowed.

Matching is wcmatch's `globmatch` (GLOBSTAR for `**`, DOTGLOB so `*` takes dot
files as git does, FORCEUNIX for `/` on every OS). Its patterns compile to regexes
that match a newline like any other character and match the whole path, so
'.github/workflows/a\\nb.yml' cannot slip past a forbidden '.github/workflows/**'
and 'src/a.py\\n' is not 'src/a.py'. pathspec's gitignore patterns were not used:
they stop `.` at a newline and end in `$`, which matches before a trailing one.

Choices where .gitignore habits differ:
- Every pattern is anchored at the repository root, with or without a slash:
  `setup.py` is the root's file, not `vendor/x/setup.py`, and `src/report.py` is
  not `lib/src/report.py`. Write `**/setup.py` for any depth.
- `!` and `#` at the start are plain characters (each pattern is matched on its
  own, so there is no negation or comment), and so is `[`: folders such as
  `app/[slug]/` are common route names, and a character class would silently
  miss them.
- A pattern always matches the path it spells exactly, as a git pathspec does:
  a spec's affected-code path becomes an allowed pattern verbatim, and must cover
  its file whatever characters (`*`, `\\`) the name holds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence

from codecot_mcp.errors import InvalidInputError

TYPE_CHECKING = False  # typing is not imported at run time: a host hook imports this module on every edit
if TYPE_CHECKING:
    from typing import Literal

    Placement = Literal["forbidden", "allowed", "nearby", "new", "outside"]

DEFAULT_FORBIDDEN = (".github/workflows/**", ".codecot/**")

# Patterns translated ahead (pattern -> (include, exclude) regexes), as wcmatch would: a host
# hook loads them from its cache so that it need not import wcmatch on every edit.
KNOWN_REGEXES: dict[str, tuple[list[str], list[str]]] = {}


def _normalise(pattern: str) -> str:
    pattern = pattern.strip().removeprefix("./").lstrip("/")
    return pattern + "**" if pattern.endswith("/") else pattern


def translate(pattern: str) -> tuple[list[str], list[str]]:
    """A (normalised) pattern as wcmatch's regexes: what `glob.compile(...).match` tests."""
    from wcmatch import glob

    # No NEGATE, BRACE, EXTGLOB or MATCHBASE: '!', '{', '@(' mean themselves, and no pattern floats.
    # wcmatch 10.1 or newer: before it, 'src/a.py\n' matched 'src/*.py'.
    flags = glob.GLOBSTAR | glob.DOTGLOB | glob.FORCEUNIX
    include, exclude = glob.translate(pattern.replace("[", "[[]"), flags=flags)
    KNOWN_REGEXES[pattern] = ([str(p) for p in include], [str(p) for p in exclude])
    return KNOWN_REGEXES[pattern]


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> Callable[[str], bool]:
    """The compiled matcher of one pattern; cached, as ranking tries each on every indexed file.

    wcmatch's own match is a full match of each include regex and of no exclude one; the
    same is done here with its regexes, so they can come from a cache without wcmatch.
    """
    include, exclude = KNOWN_REGEXES.get(pattern) or translate(pattern)
    yes = [re.compile(p) for p in include]
    no = [re.compile(p) for p in exclude]
    return lambda path: any(r.fullmatch(path) for r in yes) and not any(r.fullmatch(path) for r in no)


def check_globs(patterns: Sequence[str]) -> list[str]:
    """Refuse globs that could only match outside the repository or inside `.git/`."""
    cleaned: list[str] = []
    for pattern in patterns:
        text = pattern.strip().replace("\\", "/")
        parts = text.split("/")
        if not text or text.startswith("/") or ".." in parts or ".git" in parts or "\x00" in text:
            raise InvalidInputError(
                f"'{pattern}' is not a repository path glob",
                hint="use paths relative to the repository root, e.g. 'src/**/*.py'; no '..', '/...' or .git",
            )
        cleaned.append(text)
    return cleaned


def glob_match(path: str, pattern: str) -> bool:
    """Whether `path` (relative, `/`-separated) is what `pattern` names."""
    normalised = _normalise(pattern)
    return path == normalised or _compile(normalised)(path)


def first_match(path: str, patterns: Sequence[str]) -> str | None:
    return next((p for p in patterns if glob_match(path, p)), None)


IN_SCOPE: frozenset[Placement] = frozenset({"allowed", "nearby", "new"})


def place_path(
    path: str,
    allowed: Sequence[str],
    forbidden: Sequence[str],
    new_in: Sequence[str] = (),
    nearby: Collection[str] = (),
    *,
    new: bool = False,
) -> tuple[Placement, str]:
    """Where one changed path stands in a task's scope, and why; `new` for a file the change adds.

    Forbidden wins. Then the allowed globs; then the files beside them (`nearby`: what the
    task's sources import or are imported by, sealed when it was scoped, and existing files
    in a test tree written `folder/**`), in scope and named in the verdict; then a new file
    directly in one of the `new_in` folders or at any depth below a `folder/**`: a fix often
    adds a module beside the code it changes, or a test or a fixture in the test tree, and
    that file cannot be named before it exists.
    """
    hit = first_match(path, forbidden)
    if hit:
        return "forbidden", f"matches forbidden path '{hit}'"
    hit = first_match(path, allowed)
    if hit:
        return "allowed", f"matches allowed path '{hit}'"
    trees = [f for f in new_in if f.endswith("/**")]
    if not new and path in nearby:
        return "nearby", "beside the task's files: its sources import it or are imported by it"
    tree = next((f for f in trees if glob_match(path, f)), None) if not new else None
    if tree is not None:
        return "nearby", f"an existing file in the test tree '{tree}'"
    home = next((f for f in new_in if glob_match(path, _new_file_glob(f))), None) if new else None
    if home is not None:
        shown = home if home.endswith("/**") else f"{home or '.'}/"
        return "new", f"a new file in '{shown}', where the task may add files"
    return "outside", "outside the task's allowed paths"


def classify_path(
    path: str,
    allowed: Sequence[str],
    forbidden: Sequence[str],
    new_in: Sequence[str] = (),
    nearby: Collection[str] = (),
    *,
    new: bool = False,
) -> tuple[bool, str]:
    """(in scope?, the reason) for one changed path: `place_path` as a yes or no."""
    placement, why = place_path(path, allowed, forbidden, new_in, nearby, new=new)
    return placement in IN_SCOPE, why


def _new_file_glob(folder: str) -> str:
    """A new-file folder as a glob: `pkg` admits `pkg/x.py` only, `pkg/tests/**` any depth."""
    if folder.endswith("/**"):
        return folder
    return f"{folder}/*" if folder else "*"


TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "testdata"})
_TEST_NAME = re.compile(
    r"^(?:test_.*\.py|.*_test\.(?:py|go|rb|cc|cpp|c)|conftest\.py|.*\.(?:test|spec)\.[cm]?[jt]sx?"
    r"|.*Tests?\.(?:java|cs|kt)|.*_spec\.rb)\Z",
    re.DOTALL,
)


def is_test_path(path: str) -> bool:
    """Test files by folder (tests/, __tests__/, spec/) or by name (test_x.py, x_test.go, x.spec.ts)."""
    parts = path.split("/")
    return any(part in TEST_DIRS for part in parts[:-1]) or bool(_TEST_NAME.match(parts[-1]))


def test_globs_for(path: str) -> list[str]:
    """Where the tests of a source file usually live, across common layouts."""
    name = path.rsplit("/", 1)[-1]
    stem, _, ext = name.rpartition(".")
    if not stem or stem.startswith("__") or is_test_path(path):
        return []
    if ext == "py":
        return [f"**/test_{stem}.py", f"**/{stem}_test.py"]
    if ext in ("js", "jsx", "ts", "tsx", "mjs", "cjs"):
        return [f"**/{stem}.test.{ext}", f"**/{stem}.spec.{ext}"]
    if ext == "go":
        return [path.replace(".go", "_test.go")]
    if ext == "rb":
        return [f"**/{stem}_spec.rb", f"**/test_{stem}.rb"]
    if ext in ("java", "kt", "cs"):
        return [f"**/{stem}Test.{ext}", f"**/{stem}Tests.{ext}"]
    return []
