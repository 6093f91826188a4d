import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from codecot_mcp.domain.models import FileChange
from codecot_mcp.errors import InvalidInputError, RepositoryError
from codecot_mcp.intel.diff import ChangedFile, collect_change
from codecot_mcp.intel.treedigest import working_tree_digest
from codecot_mcp.services.operations import CAPTURE_INTENT, DRAFT_SPEC, SCOPE_TASK, VALIDATE_CHANGE
from codecot_mcp.services.workspace import Workspace
from codecot_mcp.store.artifacts import VALIDATIONS
from tests.conftest import MakeRepo, git

BASE_FILES = {
    "src/app.py": "def a():\n    return 1\n\n\ndef b():\n    return 2\n",
    "README.md": "# x\n",
    "old.txt": "one\ntwo\nthree\nfour\nfive\n",
}


def modify(root: Path) -> None:
    (root / "src/app.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 3\n")


def add_staged(root: Path) -> None:
    (root / "src/new.py").write_text("x = 1\ny = 2\n")
    git(root, "add", "src/new.py")


def add_untracked(root: Path) -> None:
    (root / "notes.txt").write_text("a\nb\nc")


def delete(root: Path) -> None:
    (root / "README.md").unlink()


def rename(root: Path) -> None:
    git(root, "mv", "old.txt", "new.txt")


def binary(root: Path) -> None:
    (root / "logo.bin").write_bytes(b"\x00\x01\x02" * 100)
    git(root, "add", "logo.bin")


@pytest.mark.parametrize(
    ("edit", "path", "status", "added", "deleted", "is_binary"),
    [
        (modify, "src/app.py", "modified", 1, 1, False),
        (add_staged, "src/new.py", "added", 2, 0, False),
        (add_untracked, "notes.txt", "untracked", 3, 0, False),
        (delete, "README.md", "deleted", 0, 1, False),
        (rename, "new.txt", "renamed", 0, 0, False),
        (binary, "logo.bin", "added", 0, 0, True),
    ],
)
def test_each_kind_of_change_is_seen_in_the_working_tree(
    make_repo: MakeRepo,
    edit: Callable[[Path], None],
    path: str,
    status: str,
    added: int,
    deleted: int,
    is_binary: bool,
) -> None:
    root = make_repo(BASE_FILES)
    edit(root)
    change = collect_change(root, None)
    assert [(f.path, f.status, f.added, f.deleted, f.binary) for f in change.files] == [
        (path, status, added, deleted, is_binary)
    ]


def test_a_modified_line_is_reported_as_a_hunk_of_the_new_file(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    modify(root)
    assert collect_change(root, None).files[0].hunks == [(6, 6)]


def test_codecot_artifacts_are_not_part_of_a_change(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    (root / ".codecot" / "tasks").mkdir(parents=True)
    (root / ".codecot" / "tasks" / "TASK-1.json").write_text("{}")
    assert collect_change(root, None).files == []


def test_the_digest_changes_with_every_edit(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    empty = collect_change(root, None).digest
    add_untracked(root)
    first = collect_change(root, None).digest
    (root / "notes.txt").write_text("a\nb\nd")
    assert len({empty, first, collect_change(root, None).digest}) == 3


def test_a_commit_range_is_compared_without_the_working_tree(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    base = git(root, "rev-parse", "HEAD").strip()
    modify(root)
    git(root, "commit", "-qam", "change")
    add_untracked(root)
    change = collect_change(root, base, "HEAD")
    assert [f.path for f in change.files] == ["src/app.py"]


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "-p", "a..b", "x y"])
def test_refs_that_git_would_read_as_options_are_refused(make_repo: MakeRepo, ref: str) -> None:
    root = make_repo(BASE_FILES)
    with pytest.raises(InvalidInputError):
        collect_change(root, ref)


def test_a_revision_git_does_not_know_is_a_repository_error(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    with pytest.raises(RepositoryError, match=r"git failed to compute the change: .*nosuchbranch"):
        collect_change(root, "nosuchbranch")


def test_a_repository_with_no_commits_diffs_against_the_empty_tree(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n"}, commit=False)
    assert [f.path for f in collect_change(root, None).files] == ["a.py"]


# Awkward changes: each edit below once lost a file, a flag or its hunks, or crashed.

LATIN1_NAME = os.fsdecode(b"caf\xe9.py")  # not valid UTF-8: os.fsdecode keeps the byte as a surrogate
BIG_BINARY_BYTES = 30 * 1024 * 1024


def commit_all(root: Path, message: str = "setup") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def make_executable(root: Path) -> None:
    (root / "src/app.py").chmod(0o755)


def edit_crlf(root: Path) -> None:
    (root / "dos.txt").write_bytes(b"a\r\nb\r\nc\r\n")
    commit_all(root)
    (root / "dos.txt").write_bytes(b"a\r\nB\r\nc\r\nd\r\n")


def edit_latin1_content(root: Path) -> None:
    (root / "latin.txt").write_bytes(b"caf\xe9\n")
    commit_all(root)
    (root / "latin.txt").write_bytes(b"caf\xe9\nna\xefve\n")


def edit_latin1_name(root: Path) -> None:
    (root / LATIN1_NAME).write_bytes(b"a = 1\nb = 2\n")
    commit_all(root)
    (root / LATIN1_NAME).write_bytes(b"a = 1\nb = 3\n")


def add_latin1_name_untracked(root: Path) -> None:
    (root / LATIN1_NAME).write_bytes(b"a = 1\n")


def edit_name_with_spaces(root: Path) -> None:
    (root / "sp ace.py").write_text("a = 1\nb = 2\n")
    commit_all(root)
    (root / "sp ace.py").write_text("a = 1\nb = 3\n")


def edit_non_ascii_name(root: Path) -> None:
    (root / "naïve.py").write_text("a = 1\nb = 2\n")
    commit_all(root)
    (root / "naïve.py").write_text("a = 1\nb = 3\n")


def edit_name_git_must_quote(root: Path) -> None:
    (root / 'tab\there "q".py').write_text("a = 1\nb = 2\n")
    commit_all(root)
    (root / 'tab\there "q".py').write_text("a = 1\nb = 3\n")


def add_line_that_looks_like_a_header(root: Path) -> None:
    (root / "src/app.py").write_text("++ b/README.md\ndef a():\n    return 1\n\n\ndef b():\n    return 3\n")


def add_submodule(root: Path) -> None:
    other = root.parent / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    (other / "lib.py").write_text("x = 1\n")
    commit_all(other)
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "sub")


def move_submodule_pointer(root: Path) -> None:
    add_submodule(root)
    commit_all(root, "add submodule")
    (root / "sub/lib.py").write_text("x = 2\n")
    commit_all(root / "sub", "bump")


def rename_and_edit(root: Path) -> None:
    git(root, "mv", "old.txt", "new.txt")
    (root / "new.txt").write_text("one\ntwo\nTHREE\nfour\nfive\n")


def add_big_binary(root: Path) -> None:
    (root / "big.bin").write_bytes(os.urandom(BIG_BINARY_BYTES))
    git(root, "add", "big.bin")


def summary(changed: ChangedFile) -> tuple[object, ...]:
    return (
        changed.path,
        changed.status,
        changed.old_path,
        changed.added,
        changed.deleted,
        changed.binary,
        changed.mode_change,
        changed.submodule,
        changed.hunks,
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (make_executable, [("src/app.py", "modified", None, 0, 0, False, "100644 -> 100755", False, [])]),
        (edit_crlf, [("dos.txt", "modified", None, 2, 1, False, None, False, [(2, 2), (4, 4)])]),
        (edit_latin1_content, [("latin.txt", "modified", None, 1, 0, False, None, False, [(2, 2)])]),
        (edit_latin1_name, [("caf\\xe9.py", "modified", None, 1, 1, False, None, False, [(2, 2)])]),
        (add_latin1_name_untracked, [("caf\\xe9.py", "untracked", None, 1, 0, False, None, False, [(1, 1)])]),
        (edit_name_with_spaces, [("sp ace.py", "modified", None, 1, 1, False, None, False, [(2, 2)])]),
        (edit_non_ascii_name, [("naïve.py", "modified", None, 1, 1, False, None, False, [(2, 2)])]),
        (
            edit_name_git_must_quote,
            [('tab\there "q".py', "modified", None, 1, 1, False, None, False, [(2, 2)])],
        ),
        (
            add_line_that_looks_like_a_header,
            [("src/app.py", "modified", None, 2, 1, False, None, False, [(1, 1), (7, 7)])],
        ),
        (
            add_submodule,
            [
                (".gitmodules", "added", None, 3, 0, False, None, False, [(1, 3)]),
                ("sub", "added", None, 1, 0, False, None, True, [(1, 1)]),
            ],
        ),
        (move_submodule_pointer, [("sub", "modified", None, 1, 1, False, None, True, [(1, 1)])]),
        (rename_and_edit, [("new.txt", "renamed", "old.txt", 1, 1, False, None, False, [(3, 3)])]),
        (delete, [("README.md", "deleted", None, 0, 1, False, None, False, [])]),
        (add_big_binary, [("big.bin", "added", None, 0, 0, True, None, False, [])]),
    ],
)
def test_awkward_changes_are_reported_in_full(
    make_repo: MakeRepo, edit: Callable[[Path], None], expected: list[tuple[object, ...]]
) -> None:
    root = make_repo(BASE_FILES)
    edit(root)
    assert [summary(f) for f in collect_change(root, None).files] == expected


def add_untracked_link(root: Path) -> None:
    (root / "outside").symlink_to("/etc/hostname")


@pytest.mark.parametrize(
    "edit",
    [
        modify,
        add_staged,
        add_untracked,
        delete,
        rename,
        binary,
        make_executable,
        edit_latin1_name,
        add_latin1_name_untracked,
        add_untracked_link,
        add_submodule,
        rename_and_edit,
    ],
)
def test_the_digest_alone_is_the_digest_of_the_whole_change(
    make_repo: MakeRepo, edit: Callable[[Path], None]
) -> None:
    """The stop hook compares `working_tree_digest` with what a validation stored from `collect_change`."""
    root = make_repo(BASE_FILES)
    base = git(root, "rev-parse", "HEAD").strip()
    edit(root)
    for against in (None, base):
        assert working_tree_digest(root, against) == collect_change(root, against).digest


def test_a_folder_inside_a_work_tree_is_not_diffed_as_one(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    modify(root)
    for compute in (collect_change, working_tree_digest):
        with pytest.raises(RepositoryError, match="not a git repository"):
            compute(root / "src", None)


@pytest.mark.parametrize("edit", [edit_latin1_name, add_latin1_name_untracked])
def test_a_name_that_is_not_utf8_is_kept_for_git_and_shown_safely(
    make_repo: MakeRepo, edit: Callable[[Path], None]
) -> None:
    root = make_repo(BASE_FILES)
    edit(root)
    change = collect_change(root, None)
    [changed] = change.files
    assert changed.raw_path == b"caf\xe9.py"
    report = FileChange(path=changed.path, status=changed.status, old_path=changed.old_path)
    assert json.loads(report.model_dump_json())["path"] == "caf\\xe9.py"
    (root / LATIN1_NAME).write_bytes(b"a = 1\nb = 4\n")
    assert collect_change(root, None).digest != change.digest


def test_a_change_with_a_name_that_is_not_utf8_can_be_validated_and_stored(make_repo: MakeRepo) -> None:
    ws = Workspace(make_repo({**BASE_FILES, ".codecot/config.toml": '[checks]\nok = ["git", "--version"]\n'}))
    intent = CAPTURE_INTENT.invoke(
        ws, discussion="alice: We need `a` to return 2.\nbob: Done when the test passes.\n"
    ).intent
    task = SCOPE_TASK.invoke(ws, spec_id=DRAFT_SPEC.invoke(ws, intent_id=intent.id).spec.id).tasks[0]
    add_latin1_name_untracked(ws.root)
    in_tree = VALIDATE_CHANGE.invoke(
        ws, task_id=task.id
    ).validation  # the working tree: the code index skips the name
    commit_all(ws.root, "add a file whose name is Latin-1")
    validation = VALIDATE_CHANGE.invoke(ws, task_id=task.id, head="HEAD").validation
    assert [f.path for f in in_tree.files] == [f.path for f in validation.files] == ["caf\\xe9.py"]
    assert "caf\\\\xe9.py" in validation.model_dump_json()
    assert ws.store.load(VALIDATIONS, in_tree.id).files[0].path == "caf\\xe9.py"


def test_a_large_binary_has_a_stable_digest_that_follows_its_content(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    add_big_binary(root)
    first = collect_change(root, None).digest
    assert collect_change(root, None).digest == first
    with (root / "big.bin").open("r+b") as handle:
        handle.seek(BIG_BINARY_BYTES // 2)
        byte = handle.read(1)
        handle.seek(BIG_BINARY_BYTES // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    git(root, "add", "big.bin")
    assert collect_change(root, None).digest != first


MEASURE_PEAK = """
import sys
from pathlib import Path
from codecot_mcp.intel.diff import collect_change

def peak_kib():
    # VmHWM is this process's own peak; ru_maxrss would include the parent's from before exec.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

before = peak_kib()
collect_change(Path(sys.argv[1]), None)
print(peak_kib() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read peak memory")
def test_a_large_binary_is_hashed_without_holding_the_diff_in_memory(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    add_big_binary(root)
    run = subprocess.run(
        [sys.executable, "-c", MEASURE_PEAK, str(root)], check=True, capture_output=True, text=True
    )
    growth_kib = int(run.stdout.strip())
    assert growth_kib * 1024 < BIG_BINARY_BYTES // 2  # the whole diff held once would be ~1.35x the file


def test_user_git_config_does_not_change_the_result(make_repo: MakeRepo) -> None:
    root = make_repo(BASE_FILES)
    modify(root)
    add_staged(root)
    edit_non_ascii_name(root)
    expected = collect_change(root, None)
    (root / "fake-diff.sh").write_text("#!/bin/sh\necho nothing to see\n")
    (root / "fake-diff.sh").chmod(0o755)
    (root / ".git/info/attributes").write_text("*.py diff=hide\n")
    for key, value in [
        ("diff.external", str(root / "fake-diff.sh")),
        ("diff.hide.textconv", "true"),
        ("diff.noprefix", "true"),
        ("color.ui", "always"),
        ("core.quotePath", "true"),
        ("diff.ignoreSubmodules", "all"),
    ]:
        git(root, "config", key, value)
    (root / "fake-diff.sh").unlink()
    assert collect_change(root, None) == expected


def test_the_digest_is_the_one_validations_were_stored_with(make_repo: MakeRepo) -> None:
    """Older releases hashed git's patch without its final newline; a stored verdict must not go stale."""
    root = make_repo(BASE_FILES)
    modify(root)
    patch = subprocess.run(
        ["git", "diff", "--binary", "--no-color", "-M", "HEAD", "--", ".", ":(exclude).codecot"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    assert collect_change(root, None).digest == hashlib.sha256(patch.removesuffix(b"\n")).hexdigest()
