"""bench index on a generated repository: the command runs and measures what it built."""

from pathlib import Path

import pytest

from codecot_mcp.bench.indexing import measure
from codecot_mcp.cli.main import main
from tests.intel.helpers import build_repo


def test_the_index_bench_measures_a_synthetic_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "index", "--synthetic", "24"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| synthetic-24 "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "24" and cells[2] == "24"  # every generated file is code tree-sitter parses


def test_the_index_bench_needs_something_to_measure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "index"]) == 2
    assert "--synthetic" in capsys.readouterr().err


def test_a_tree_without_python_is_measured(tmp_path: Path) -> None:
    go = "package main\n\nfunc main() {}\n"
    root = build_repo(tmp_path / "gotree", {"main.go": go, "cmd/tool.go": go.replace("main()", "tool()")})
    times = measure(root)
    assert times.files == 2 and times.parsed_files == 2
    assert (root / "cmd" / "tool.go").read_text(encoding="utf-8") == go.replace("main()", "tool()")
    assert (root / "main.go").read_text(encoding="utf-8") == go  # the timed edit is undone
