"""bench index on a generated repository: the command runs and measures what it built."""

import pytest

from codecot_mcp.cli.main import main


def test_the_index_bench_measures_a_synthetic_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "index", "--synthetic", "24"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| synthetic-24 "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "24" and cells[2] == "24"  # every generated file is code tree-sitter parses


def test_the_index_bench_needs_something_to_measure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "index"]) == 2
    assert "--synthetic" in capsys.readouterr().err
