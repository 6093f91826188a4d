from __future__ import annotations

import logging
import sqlite3
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from codecot_mcp.errors import NotFoundError, RepositoryError, UnsafePathError
from codecot_mcp.intel import index as index_module
from codecot_mcp.intel.batch import StoreBatch, parse_to_batch
from codecot_mcp.intel.index import CACHE_FILE, CACHE_FOLDER, CodeIndex, IndexStats
from codecot_mcp.intel.parsing import MAX_FILE_BYTES, git_blob_id
from tests.conftest import git
from tests.intel.helpers import build_repo
from tests.intel.samples import SAMPLE_FILES


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_repo(tmp_path / "repo")


def test_first_open_parses_every_file(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        assert index.files() == sorted(SAMPLE_FILES)
        stats = index.last_stats
    assert stats is not None
    assert (stats.files, stats.parsed, stats.reused) == (len(SAMPLE_FILES), len(SAMPLE_FILES), 0)


def test_second_open_reparses_nothing(repo: Path) -> None:
    CodeIndex.open(repo).close()
    with CodeIndex.open(repo) as index:
        stats = index.last_stats
    assert stats is not None
    assert (stats.parsed, stats.reused) == (0, len(SAMPLE_FILES))


def test_changing_one_file_reparses_exactly_that_file(repo: Path) -> None:
    CodeIndex.open(repo).close()
    (repo / "src/shop/util.py").write_text("def helper(rows):\n    return rows\n\n\ndef extra():\n    pass\n")
    with CodeIndex.open(repo) as index:
        assert index.last_stats is not None
        assert (index.last_stats.parsed, index.last_stats.reused) == (1, len(SAMPLE_FILES) - 1)
        assert [s.name for s in index.definitions_in("src/shop/util.py")] == ["helper", "extra"]


def test_refresh_picks_up_a_change_made_while_open(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        (repo / "web/util.js").write_text("export function helper2() {}\n")
        stats = index.refresh()
        assert (stats.parsed, stats.removed) == (1, 0)
        assert index.definitions("helper2")[0].path == "web/util.js"


def test_untracked_file_is_indexed_and_deleted_file_is_removed(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        (repo / "src/shop/fresh.py").write_text("class Fresh:\n    pass\n")
        (repo / "c/ledger.h").unlink()
        stats = index.refresh()
        assert (stats.parsed, stats.removed) == (1, 1)
        assert index.has_file("src/shop/fresh.py")
        assert not index.has_file("c/ledger.h")
        assert index.definitions("ledger_total") == []
        assert index.definitions("Fresh")[0].path == "src/shop/fresh.py"


def test_touching_a_file_without_changing_it_reparses_nothing(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        path = repo / "README.md"
        path.write_text(path.read_text())
        (repo / "notes.txt").write_text("untracked notes\n")
        assert index.refresh().parsed == 1  # only the new untracked file
        path.touch()
        assert index.refresh().parsed == 0


def test_modified_file_gets_the_blob_id_git_would_give_it(repo: Path) -> None:
    content = "print('changed')\n"
    (repo / "src/shop/models.py").write_text(content)
    with CodeIndex.open(repo) as index:
        info = index.file_info("src/shop/models.py")
    expected = subprocess.run(
        ["git", "hash-object", "src/shop/models.py"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert info is not None
    assert info.blob == expected == git_blob_id(content.encode())


def test_tracked_file_uses_the_blob_id_from_git(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        info = index.file_info("README.md")
    assert info is not None
    assert info.blob == git(repo, "rev-parse", "HEAD:README.md").strip()


@pytest.mark.parametrize(
    ("name", "content"),
    [("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 10), ("huge.txt", b"word " * (MAX_FILE_BYTES // 5 + 1))],
    ids=["binary", "oversized"],
)
def test_binary_and_oversized_files_are_skipped(repo: Path, name: str, content: bytes) -> None:
    (repo / name).write_bytes(content)
    git(repo, "add", name)
    with CodeIndex.open(repo) as index:
        assert not index.has_file(name)
        assert index.refresh().skipped == 1
    with CodeIndex.open(repo) as index:
        assert index.refresh().parsed == 0  # remembered as skipped, not read again


def test_ignored_files_and_codecot_folder_are_not_indexed(repo: Path) -> None:
    (repo / ".gitignore").write_text("build/\n")
    (repo / "build").mkdir()
    (repo / "build/out.py").write_text("def built(): pass\n")
    (repo / ".codecot").mkdir()
    (repo / ".codecot/intent.md").write_text("# intent\n")
    with CodeIndex.open(repo) as index:
        assert index.has_file(".gitignore")
        assert not [p for p in index.files() if p.startswith(("build/", ".codecot/"))]


def test_cache_lives_in_an_ignored_folder(repo: Path) -> None:
    CodeIndex.open(repo).close()
    assert (repo / CACHE_FOLDER / CACHE_FILE).is_file()
    assert (repo / CACHE_FOLDER / ".gitignore").read_text() == "*\n"
    assert git(repo, "status", "--porcelain") == ""


def test_a_cache_from_another_schema_is_rebuilt(repo: Path) -> None:
    CodeIndex.open(repo).close()
    db = sqlite3.connect(repo / CACHE_FOLDER / CACHE_FILE)
    with db:
        db.execute("UPDATE meta SET value = 'old' WHERE key = 'fingerprint'")
    db.close()
    with CodeIndex.open(repo) as index:
        assert index.files() == sorted(SAMPLE_FILES)
        assert index.definitions("parse_args")


def test_a_corrupt_cache_file_is_replaced_by_a_working_one(repo: Path) -> None:
    folder = repo / CACHE_FOLDER
    folder.mkdir(parents=True)
    (folder / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    with CodeIndex.open(repo) as index:
        rebuilt = index.last_stats
        assert index.files() == sorted(SAMPLE_FILES)
        assert [s.path for s in index.definitions("parse_args")] == ["src/shop/report.py"]
    db = sqlite3.connect(folder / CACHE_FILE)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()
    finally:
        db.close()
    with CodeIndex.open(repo) as index:  # the new file holds the index: nothing is parsed again
        reopened = index.last_stats
        assert [s.path for s in index.definitions("parse_args")] == ["src/shop/report.py"]
    assert rebuilt is not None and (rebuilt.parsed, rebuilt.reused) == (len(SAMPLE_FILES), 0)
    assert integrity == ("ok",)
    assert reopened is not None and (reopened.parsed, reopened.reused) == (0, len(SAMPLE_FILES))


def test_two_indexes_can_share_one_cache(repo: Path) -> None:
    with CodeIndex.open(repo) as first, CodeIndex.open(repo) as second:
        (repo / "web/new.js").write_text("function added() {}\n")
        assert first.refresh().parsed == 1
        assert second.refresh().parsed == 0
        assert second.definitions("added")


def test_two_first_opens_at_once_parse_each_file_once(repo: Path) -> None:
    results: list[IndexStats] = []
    errors: list[BaseException] = []

    def open_index() -> None:
        try:
            with CodeIndex.open(repo) as index:
                assert index.last_stats is not None
                results.append(index.last_stats)
        except BaseException as exc:  # surfaced below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=open_index) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # whoever waited for the lock re-planned and found the work done
    assert sorted(stats.parsed for stats in results) == [0, len(SAMPLE_FILES)]
    assert all(stats.files == len(SAMPLE_FILES) for stats in results)


def test_progress_reports_done_and_total(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        for number in range(3):
            (repo / f"extra{number}.py").write_text(f"def extra{number}(): pass\n")
        calls: list[tuple[int, int, str]] = []
        index.refresh(progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls[0][:2] == (0, 3)
    assert calls[-1][:2] == (3, 3)


def test_many_files_are_parsed_in_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(index_module, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(index_module, "PARSE_CHUNK", 5)
    files = {f"pkg/mod{n:02d}.py": f"def func_{n}():\n    return {n}\n" for n in range(30)}
    root = build_repo(tmp_path / "repo", files)
    calls: list[tuple[int, int]] = []
    with caplog.at_level(logging.WARNING), CodeIndex.open(root) as index:
        index.refresh()  # nothing left to parse
        assert len(index.files()) == 30
        assert index.definitions("func_29")[0].path == "pkg/mod29.py"
        (root / "pkg/mod00.py").unlink()
        for n in range(30, 45):
            (root / f"pkg/mod{n:02d}.py").write_text(f"def func_{n}(): pass\n")
        stats = index.refresh(progress=lambda done, total, _: calls.append((done, total)))
    assert (stats.parsed, stats.removed) == (15, 1)
    assert calls[-1] == (15, 15) and len(calls) == 4  # start + one per chunk of 5
    assert "parallel parsing failed" not in caplog.text


def test_a_pool_that_cannot_start_falls_back_to_parsing_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class NoPool:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError("no /dev/shm")

    monkeypatch.setattr(index_module, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(index_module, "PARSE_CHUNK", 5)
    monkeypatch.setattr(index_module, "ProcessPoolExecutor", NoPool)
    files = {f"pkg/mod{n:02d}.py": f"def func_{n}():\n    return {n}\n" for n in range(30)}
    root = build_repo(tmp_path / "repo", files)
    with caplog.at_level(logging.WARNING), CodeIndex.open(root) as index:
        assert index.last_stats is not None and index.last_stats.parsed == 30
        assert sorted(path for path, _ in index.postings(["func"])["func"]) == sorted(files)
    assert "parallel parsing failed" in caplog.text


def test_postings_follow_edits_and_deletions(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        before = dict(index.postings(["helper"])["helper"])
        assert "src/shop/util.py" in before
        (repo / "src/shop/util.py").write_text("def assistant(rows):\n    return rows\n")
        (repo / "web/extra.js").write_text("// helper helper helper\n")
        (repo / "c/ledger.h").unlink()
        index.refresh()
        after = dict(index.postings(["helper", "assistant", "ledger"]).get("helper", []))
        assert "src/shop/util.py" not in after
        assert after["web/extra.js"] == 3  # three uses in the text; the path has no "helper"
        assert {p for p in before if p != "src/shop/util.py"} <= set(after)
        assert [path for path, _ in index.postings(["assistant"])["assistant"]] == ["src/shop/util.py"]
    with CodeIndex.open(repo) as reopened:  # the same answers from the stored rows
        assert dict(reopened.postings(["helper"])["helper"]) == after


def test_a_failed_update_leaves_the_previous_index_whole(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    CodeIndex.open(repo).close()
    (repo / "src/shop/util.py").write_text("def replaced():\n    pass\n")
    (repo / "web/new.js").write_text("function added() {}\n")
    calls = 0

    def fail_on_second_chunk(root: str, chunk: Sequence[tuple[str, str | None]]) -> StoreBatch:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return parse_to_batch(root, chunk)

    monkeypatch.setattr(index_module, "PARSE_CHUNK", 1)
    monkeypatch.setattr(index_module, "parse_to_batch", fail_on_second_chunk)
    with pytest.raises(RepositoryError):
        CodeIndex.open(repo)
    monkeypatch.undo()
    with CodeIndex.open(repo) as index:  # nothing half-written: both changes are picked up now
        assert index.last_stats is not None and index.last_stats.parsed == 2
        assert index.definitions("replaced") and index.definitions("added")
        assert "src/shop/util.py" not in {symbol.path for symbol in index.definitions("helper")}
        assert "src/shop/util.py" not in dict(index.postings(["helper"]).get("helper", []))


def test_a_folder_that_is_not_a_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError):
        CodeIndex.open(tmp_path)


def test_a_subfolder_opens_the_whole_work_tree(repo: Path) -> None:
    with CodeIndex.open(repo / "src") as index:
        assert index.root == repo.resolve()
        assert index.has_file("README.md")


@pytest.mark.parametrize("path", ["../etc/passwd", "/etc/passwd", ".git/config", "src\\shop\\report.py"])
def test_read_text_refuses_paths_outside_the_repository(repo: Path, path: str) -> None:
    with CodeIndex.open(repo) as index, pytest.raises(UnsafePathError):
        index.read_text(path)


def test_read_text_of_an_unknown_file_is_not_found(repo: Path) -> None:
    with CodeIndex.open(repo) as index, pytest.raises(NotFoundError):
        index.read_text("nope.py")


def test_read_text_reads_the_work_tree(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        assert index.read_text("src/shop/util.py") == SAMPLE_FILES["src/shop/util.py"]


def test_enclosing_definitions_are_innermost_first(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        names = [s.name for s in index.enclosing_definitions("ruby/invoice.rb", 7, 7)]
        assert names == ["total", "Invoice", "Billing"]
        assert index.enclosing_definitions("ruby/invoice.rb", 1, 2) == []


def test_search_identifier_ignores_case_but_definitions_do_not(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        assert index.definitions("report") == []
        assert [s.name for s in index.search_identifier("report")] == ["Report"]


def test_outline_lists_top_level_definitions_and_members_with_lines(repo: Path) -> None:
    with CodeIndex.open(repo) as index:
        outline = index.outline("src/shop/report.py")
    assert outline.splitlines() == [
        "6: class Report:",
        "    9: def render(self, rows: list[str]) -> str:",
        "13: def parse_args(argv):",
    ]


@pytest.mark.parametrize(
    ("path", "imported"),
    [
        ("src/shop/report.py", "src/shop/util.py"),
        ("tests/test_report.py", "src/shop/report.py"),
        ("web/cart.js", "web/util.js"),
        ("web/order.ts", "web/cart.js"),
        ("web/view.tsx", "web/order.ts"),
        ("go/store/item.go", "go/internal/util/clean.go"),
        ("rust/src/lib.rs", "rust/src/util.rs"),
        ("java/com/shop/Account.java", "java/com/shop/util/Helper.java"),
        ("c/ledger.c", "c/ledger.h"),
        ("cpp/shape.cpp", "cpp/shape.hpp"),
        ("ruby/invoice.rb", "ruby/helper.rb"),
    ],
)
def test_imports_are_resolved_to_repository_files(repo: Path, path: str, imported: str) -> None:
    with CodeIndex.open(repo) as index:
        assert imported in index.imports_of(path)
        assert path in index.importers_of(imported)


def test_imports_are_re_resolved_when_the_target_appears_later(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo", {"app.py": "from lib import tool\n"})
    with CodeIndex.open(root) as index:
        assert index.imports_of("app.py") == []
        (root / "lib.py").write_text("def tool(): pass\n")
        index.refresh()
        assert index.imports_of("app.py") == ["lib.py"]
