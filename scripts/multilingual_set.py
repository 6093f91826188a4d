"""Rebuild the multilingual localization set from its reference list.

The reference list (``scripts/multilingual_set.tsv``) names, for each task, the language, the
repository (OWNER/NAME), the issue number, the fixing commit and its first parent (the base).
Only these facts are kept in this repository; everything else is rebuilt from git and from the
issue tracker:

* ``OUT/trees/<instance_id>/``: the tree at the base commit (``git archive``), committed once in a
  fresh git repository so Codecot can work on it.
* ``OUT/tasks.jsonl``: one task per line in the format of the SWE-bench dev set used by
  ``codecot-mcp bench localize`` (instance_id, repo, base_commit, problem_statement, gold_files,
  gold_hunks, patch, created_at) plus ``language``.

Gold files are the source files the fix changes, leaving out tests, documentation, changelogs and
lock files. ``gold_hunks`` gives, for each gold file, the 1-based inclusive line ranges at the base
commit: one range per run of removed lines, ``[L, L]`` for a pure insertion after base line ``L``,
and ``[]`` for a file the fix creates. Every task is checked (the gold patch applies to the tree and
every removed line equals the base line the ranges point at); tasks that fail are dropped and named.

The issue text (title, a newline, then the body) comes from ``--issues-dir`` when a file
``<instance_id>.txt`` (first line the title, the rest the body) or ``<instance_id>.json`` (``title``
and ``body``) is there, otherwise from the GitHub API. Repositories come from ``--mirrors`` (bare
clones named ``OWNER+NAME``, ``OWNER+NAME/repo`` or ``OWNER+NAME.git``); a missing one is cloned
there when the network allows.

Example::

    python scripts/multilingual_set.py --out MLSET --mirrors MIRRORS --issues-dir ISSUES
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_LIST = HERE / "multilingual_set.tsv"
GIT = shutil.which("git") or "git"
TAR = shutil.which("tar") or "tar"

SOURCE_EXTENSIONS = frozenset(
    (
        *(".go", ".rs", ".java", ".kt", ".scala", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh"),
        *(".m", ".rb", ".php", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".py", ".cs", ".swift"),
        *(".lua", ".sh"),
    )
)
NON_SOURCE_DIRS = frozenset(
    (
        *("test", "tests", "testing", "spec", "specs", "__tests__", "__mocks__", "testdata"),
        *("test-data", "fixtures", "__fixtures__", "e2e", "bench", "benches", "benchmark"),
        *("benchmarks", "doc", "docs", "example", "examples"),
    )
)
TEST_FILE = re.compile(
    r"(_test\.go|_spec\.rb|_test\.rb|Tests?\.(java|kt|php)|\.(test|spec)\.[cm]?[jt]sx?|_test\.(c|cc|cpp|rs))$"
    r"|^(test_.*\.py|.*_test\.py|test_.*\.rb)$"
)
HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Ref:
    language: str
    repo: str
    issue: int
    fix_commit: str
    base_commit: str

    @property
    def instance_id(self) -> str:
        return f"{self.repo.replace('/', '__')}-{self.issue}"


def run(args: list[str], *, cwd: Path | None = None, stdin: bytes | None = None) -> bytes:
    """Run a command given as an argument list (never through a shell); raise on failure."""
    done = subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])}...: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def git(git_dir: Path, *args: str) -> str:
    return run([GIT, "--git-dir", str(git_dir), *args]).decode("utf-8", errors="replace")


def read_list(path: Path) -> list[Ref]:
    refs = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            refs.append(
                Ref(
                    language=row["language"].strip(),
                    repo=row["repo"].strip(),
                    issue=int(row["issue"]),
                    fix_commit=row["fix_commit"].strip(),
                    base_commit=row["base_commit"].strip(),
                )
            )
    return refs


def find_mirror(mirrors: Path, repo: str, *, clone: bool) -> Path:
    """Return the bare git directory of ``repo`` under ``mirrors``, cloning it when asked."""
    stem = repo.replace("/", "+")
    for candidate in (mirrors / stem / "repo", mirrors / stem, mirrors / f"{stem}.git"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    if not clone:
        raise FileNotFoundError(f"no mirror of {repo} under {mirrors}")
    target = mirrors / f"{stem}.git"
    mirrors.mkdir(parents=True, exist_ok=True)
    run([GIT, "clone", "--bare", "--quiet", f"https://github.com/{repo}.git", str(target)])
    return target


def is_gold_path(path: str) -> bool:
    """Source files only: no tests, docs, changelogs, lock files or data."""
    parts = path.split("/")
    name = parts[-1]
    if Path(name).suffix.lower() not in SOURCE_EXTENSIONS:
        return False
    if any(part.lower() in NON_SOURCE_DIRS for part in parts[:-1]):
        return False
    return not TEST_FILE.search(name)


def changed_files(git_dir: Path, base: str, fix: str) -> list[tuple[str, str]]:
    """(status, path) for every file the fix changes, renames split into delete and add."""
    out = git(git_dir, "diff", "--no-renames", "--name-status", "-z", base, fix)
    fields = [field for field in out.split("\0") if field]
    return [(fields[i][0], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]


def gold_patch(git_dir: Path, base: str, fix: str, files: list[str]) -> str:
    return git(
        git_dir,
        "-c",
        "core.quotePath=false",
        "diff",
        "--no-renames",
        "--no-color",
        "--no-ext-diff",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "-U3",
        base,
        fix,
        "--",
        *files,
    )


def split_patch(patch: str) -> list[tuple[str, bool, list[str]]]:
    """(path at base, created, diff lines) per file of a unified git diff."""
    files: list[tuple[str, bool, list[str]]] = []
    for chunk in re.split(r"^(?=diff --git )", patch, flags=re.M):
        if not chunk.startswith("diff --git "):
            continue
        lines = chunk.splitlines()
        old = new = None
        for line in lines:
            if line.startswith("--- "):
                old = line[4:]
            elif line.startswith("+++ "):
                new = line[4:]
                break
        created = old == "/dev/null"
        path = (new if created else old) or ""
        path = path[2:] if path[:2] in ("a/", "b/") else path
        files.append((path, created, lines))
    return files


def file_hunks(lines: list[str]) -> tuple[list[list[int]], list[tuple[int, str]]]:
    """Base-line ranges of one file's diff, and every removed line with its base number."""
    ranges: list[list[int]] = []
    removed: list[tuple[int, str]] = []
    old_line = 0
    run_start = run_end = None
    inserted = False

    def close() -> None:
        nonlocal run_start, run_end, inserted
        if run_start is not None and run_end is not None:
            ranges.append([run_start, run_end])
        elif inserted:
            ranges.append([old_line - 1, old_line - 1])
        run_start = run_end = None
        inserted = False

    in_hunk = False
    for line in lines:
        header = HUNK_HEADER.match(line)
        if header:
            close()
            start, count = int(header.group(1)), header.group(2)
            old_line = start if count != "0" else start + 1
            in_hunk = True
        elif not in_hunk or line.startswith("\\"):
            continue
        elif line.startswith("-"):
            run_start = old_line if run_start is None else run_start
            run_end = old_line
            removed.append((old_line, line[1:]))
            old_line += 1
        elif line.startswith("+"):
            inserted = True
        else:
            close()
            old_line += 1
    close()
    return sorted(ranges), removed


def gold_hunks(patch: str) -> dict[str, list[list[int]]]:
    hunks: dict[str, list[list[int]]] = {}
    for path, created, lines in split_patch(patch):
        hunks[path] = [] if created else file_hunks(lines)[0]
    return hunks


def issue_text(ref: Ref, issues_dir: Path | None, *, network: bool) -> str:
    """Title, newline, body: from a saved file when there is one, else from the GitHub API."""
    if issues_dir is not None:
        saved_txt = issues_dir / f"{ref.instance_id}.txt"
        saved_json = issues_dir / f"{ref.instance_id}.json"
        if saved_txt.is_file():
            title, _, body = saved_txt.read_text(encoding="utf-8").partition("\n")
            return f"{title.strip()}\n{body.rstrip()}\n"
        if saved_json.is_file():
            data = json.loads(saved_json.read_text(encoding="utf-8"))
            return f"{data['title'].strip()}\n{(data.get('body') or '').rstrip()}\n"
    if not network:
        raise FileNotFoundError(f"no saved issue text for {ref.instance_id}")
    url = f"https://api.github.com/repos/{ref.repo}/issues/{ref.issue}"
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.github+json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        data = json.load(response)
    return f"{data['title'].strip()}\n{(data.get('body') or '').rstrip()}\n"


def write_blobs(git_dir: Path, base: str, dest: Path) -> list[str]:
    """Write the files of ``base`` one blob at a time, skipping blobs the mirror lacks."""
    entries = []
    for record in git(git_dir, "ls-tree", "-r", "-z", "--full-tree", base).split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            mode, kind, sha = meta.split()
            if kind == "blob":
                entries.append((mode, sha, path))
    request = "".join(f"{sha}\n" for _mode, sha, _path in entries).encode()
    out = run([GIT, "--git-dir", str(git_dir), "cat-file", "--batch"], stdin=request)
    missing, offset = [], 0
    for mode, _sha, path in entries:
        header_end = out.index(b"\n", offset)
        header = out[offset:header_end].split()
        offset = header_end + 1
        if header[-1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        data, offset = out[offset : offset + size], offset + size + 1
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            target.symlink_to(data.decode("utf-8", errors="replace"))
        else:
            target.write_bytes(data)
            target.chmod(0o755 if mode == "100755" else 0o644)
    return missing


def make_tree(git_dir: Path, base: str, dest: Path) -> None:
    """The base tree, committed once in a fresh repository (files only, no history)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        archive = run([GIT, "--git-dir", str(git_dir), "archive", "--format=tar", base])
        run([TAR, "-x", "-f", "-", "-C", str(dest)], stdin=archive)
    except RuntimeError:
        # A partial mirror can lack some large blobs (often test data): write what it has.
        missing = write_blobs(git_dir, base, dest)
        print(f"     {dest.name}: {len(missing)} blob(s) missing from the mirror, left out", file=sys.stderr)
    run([GIT, "init", "-q"], cwd=dest)
    run([GIT, "config", "user.name", "Codecot Bench"], cwd=dest)
    run([GIT, "config", "user.email", "bench@codecot.invalid"], cwd=dest)
    run([GIT, "config", "commit.gpgsign", "false"], cwd=dest)
    run([GIT, "add", "-A", "-f"], cwd=dest)
    run([GIT, "commit", "-q", "--no-verify", "-m", "base"], cwd=dest)


def verify(task: dict, tree: Path) -> list[str]:
    """Problems with a task: the patch must apply and removed lines must match the base."""
    problems = []
    try:
        run([GIT, "apply", "--check", "-"], cwd=tree, stdin=task["patch"].encode("utf-8"))
    except RuntimeError as error:
        problems.append(f"patch does not apply: {error}")
    for path, created, lines in split_patch(task["patch"]):
        if created:
            continue
        source = tree / path
        if not source.is_file():
            problems.append(f"{path}: missing from the tree")
            continue
        base_lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, text in file_hunks(lines)[1]:
            if number > len(base_lines) or base_lines[number - 1] != text:
                problems.append(f"{path}:{number}: removed line differs from the base")
                break
    return problems


def build_task(ref: Ref, git_dir: Path, issues_dir: Path | None, *, network: bool) -> dict:
    fix = git(git_dir, "rev-parse", "--verify", f"{ref.fix_commit}^{{commit}}").strip()
    base = git(git_dir, "rev-parse", "--verify", f"{fix}^1").strip()
    if ref.base_commit and not base.startswith(ref.base_commit):
        raise ValueError(f"base {base[:12]} is not the listed {ref.base_commit}")
    files = [path for _status, path in changed_files(git_dir, base, fix) if is_gold_path(path)]
    if not files:
        raise ValueError("the fix changes no source file outside tests and docs")
    patch = gold_patch(git_dir, base, fix, files)
    hunks = gold_hunks(patch)
    stamp = git(git_dir, "log", "-1", "--format=%at", fix).strip()
    created = datetime.fromtimestamp(int(stamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "instance_id": ref.instance_id,
        "repo": ref.repo,
        "base_commit": base,
        "problem_statement": issue_text(ref, issues_dir, network=network),
        "gold_files": [path for path, _created, _lines in split_patch(patch)],
        "gold_hunks": hunks,
        "patch": patch,
        "created_at": created,
        "language": ref.language,
        "fix_commit": fix,
        "issue_number": ref.issue,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", type=Path, default=DEFAULT_LIST, help="reference list (TSV)")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT/tasks.jsonl and OUT/trees/")
    parser.add_argument("--mirrors", type=Path, required=True, help="folder of bare clones")
    parser.add_argument("--issues-dir", type=Path, help="saved issue texts (<instance_id>.txt|.json)")
    parser.add_argument("--offline", action="store_true", help="never clone or call the GitHub API")
    parser.add_argument("--ids", nargs="*", help="only these instance IDs")
    args = parser.parse_args(argv)

    refs = [ref for ref in read_list(args.list) if not args.ids or ref.instance_id in args.ids]
    network = not args.offline
    tasks, dropped = [], []
    for ref in refs:
        try:
            git_dir = find_mirror(args.mirrors, ref.repo, clone=network)
            task = build_task(ref, git_dir, args.issues_dir, network=network)
            tree = args.out / "trees" / ref.instance_id
            make_tree(git_dir, task["base_commit"], tree)
            problems = verify(task, tree)
        except (OSError, RuntimeError, ValueError, KeyError) as error:
            problems = [str(error)]
        if problems:
            shutil.rmtree(args.out / "trees" / ref.instance_id, ignore_errors=True)
            dropped.append((ref.instance_id, problems))
            print(f"drop {ref.instance_id}: {'; '.join(problems)}", file=sys.stderr)
            continue
        tasks.append(task)
        print(f"ok   {ref.instance_id} ({ref.language}, {len(task['gold_files'])} file(s))")

    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "tasks.jsonl").open("w", encoding="utf-8") as handle:
        for task in sorted(tasks, key=lambda item: item["instance_id"]):
            handle.write(json.dumps(task, ensure_ascii=False) + "\n")
    languages: dict[str, int] = {}
    for task in tasks:
        languages[task["language"]] = languages.get(task["language"], 0) + 1
    summary = ", ".join(f"{name} {count}" for name, count in sorted(languages.items()))
    print(f"{len(tasks)} tasks ({summary}); {len(dropped)} dropped")
    return 0 if tasks else 1


if __name__ == "__main__":
    sys.exit(main())
