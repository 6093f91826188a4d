"""`bench validate` at tiny sizes: the table's shape and the counts, never the timings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from codecot_mcp.bench.validate import ALLOWED_AREAS, plan_edits, source_file
from codecot_mcp.cli.main import main


def table_rows(out: str) -> dict[str, list[str]]:
    rows = [
        line
        for line in out.splitlines()
        if line.startswith("| ") and not line.startswith(("| change", "| ---"))
    ]
    return {cells[0]: cells[1:] for cells in ([c.strip() for c in row.strip("|").split("|")] for row in rows)}


def test_the_benchmark_classifies_every_edited_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "validate", "--files", "12", "--small", "3", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"base: 12 files in 6 languages, \d+ inside TASK-1's allowed paths; \d+ usable cores", out
    )
    rows = table_rows(out)
    assert list(rows) == ["large", "small"]
    for label, edited in (("large", 12), ("small", 3)):
        planned, classified, in_scope, statuses, cold, warm, target, within = rows[label]
        assert planned == classified == str(edited)
        assert sum(int(part.split()[0]) for part in statuses.split(", ")) == edited
        assert 0 < int(in_scope) < edited  # the plan always moves or adds a file outside the allowed paths
        assert float(cold) > 0 and float(warm) > 0
        assert target.startswith("< ") and within in {"yes", "no"}
    assert "2 renamed" in rows["large"][3]
    assert "The repository is kept" not in out


def test_keep_leaves_the_repository_with_the_base_committed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "validate", "--files", "6", "--small", "1", "--repeat", "1", "--keep"]) == 0
    kept = Path(capsys.readouterr().out.rsplit("The repository is kept at ", 1)[1].strip())
    try:
        assert (kept / ".git").is_dir() and (kept / source_file(0).path).is_file()
    finally:
        shutil.rmtree(kept.parent, ignore_errors=True)


def test_the_default_plan_mixes_edits_and_touches_each_file_once() -> None:
    base = [source_file(n) for n in range(1000)]
    plan = plan_edits(base, 1000)
    sizes = (len(plan.modified), len(plan.added), len(plan.deleted), len(plan.renamed))
    assert sizes == (798, 150, 50, 2) and plan.files == 1000
    touched = [f.path for f in (*plan.modified, *plan.deleted)] + [old.path for old, _ in plan.renamed]
    assert len(set(touched)) == len(touched)
    assert not {f.path for f in plan.added} & {f.path for f in base}
    in_allowed = sum(1 for f in base if f.path.split("/", 1)[0] in ALLOWED_AREAS)
    assert 450 <= in_allowed <= 550
    assert {f.language for f in base} == {"python", "javascript", "typescript", "go", "rust", "java"}


def test_a_small_change_larger_than_the_base_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "validate", "--files", "5", "--small", "6"]) == 2
    assert "--small (6) cannot exceed --files (5)" in capsys.readouterr().err
