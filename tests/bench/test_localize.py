import json
from pathlib import Path

import pytest

from codecot_mcp.bench.localize import (
    TaskResult,
    all_gold_in_top,
    first_gold_rank,
    hunks_covered,
    load_tasks,
    report,
    run_benchmark,
    summarize,
)
from tests.conftest import write_files


@pytest.mark.parametrize(
    ("ranked", "gold", "rank", "top1", "top3"),
    [
        (["a.py", "b.py", "c.py"], ["a.py"], 1, True, True),
        (["a.py", "b.py", "c.py"], ["c.py"], 3, False, True),
        (["a.py", "b.py", "c.py"], ["b.py", "c.py"], 2, False, True),
        (["a.py", "b.py", "c.py"], ["a.py", "z.py"], 1, False, False),
        ([], ["a.py"], None, False, False),
    ],
)
def test_ranks_and_accuracy_follow_the_gold_files(
    ranked: list[str], gold: list[str], rank: int | None, top1: bool, top3: bool
) -> None:
    assert first_gold_rank(ranked, gold) == rank
    assert all_gold_in_top(ranked, gold, 1) is top1
    assert all_gold_in_top(ranked, gold, 3) is top3


@pytest.mark.parametrize(
    ("spans", "covered"),
    [
        ([("a.py", 1, 50)], True),
        ([("a.py", 1, 10), ("a.py", 20, 30)], True),
        ([("a.py", 1, 10)], False),
        ([("a.py", 6, 25)], False),
        ([("b.py", 1, 99)], False),
    ],
)
def test_a_hunk_counts_only_inside_one_packed_span(spans: list[tuple[str, int, int]], covered: bool) -> None:
    assert hunks_covered(spans, {"a.py": [(5, 8), (22, 24)], "new.py": []}) is covered


def test_the_summary_averages_over_tasks() -> None:
    results = [
        TaskResult("t1", "r", "m", ["a.py"], ("a.py",), {4000: True, 8000: True, 16000: True}, 0.01),
        TaskResult("t2", "r", "m", ["x.py", "b.py"], ("b.py",), {4000: False, 8000: True, 16000: True}, 0.03),
    ]
    row = summarize("r", results)
    assert row.acc[1] == 0.5 and row.acc[3] == 1.0
    assert row.mrr == pytest.approx(0.75)
    assert row.coverage == {4000: 0.5, 8000: 1.0, 16000: 1.0}


def test_the_benchmark_runs_both_methods_on_real_trees(tmp_path: Path) -> None:
    trees = tmp_path / "trees"
    write_files(
        trees / "t-1",
        {
            "pkg/report.py": "def render_report(rows):\n    return '\\n'.join(rows)\n",
            "pkg/util.py": "def helper():\n    return 1\n",
        },
    )
    task = {
        "instance_id": "t-1",
        "repo": "o/r",
        "problem_statement": "render_report crashes on empty rows",
        "gold_files": ["pkg/report.py"],
        "gold_hunks": {"pkg/report.py": [[2, 2]]},
    }
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text(json.dumps(task) + "\n")
    ours, theirs = run_benchmark(load_tasks(tasks_file), trees)
    assert ours[0].ranked[0] == "pkg/report.py" and ours[0].covered[8000]
    assert theirs[0].ranked[0] == "pkg/report.py"
    table = report(ours, theirs)
    assert "| ALL codecot | 1 | 100.0%" in table and "ALL bm25" in table
    assert "| one-file codecot | 1 | 100.0%" in table and "multi-file" not in table


def test_the_bm25_baseline_reads_the_source_files_of_every_indexed_language(tmp_path: Path) -> None:
    from codecot_mcp.bench.baseline import Bm25Baseline

    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "cart.go").write_text("func checkoutCart() {}\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("checkout cart notes\n", encoding="utf-8")
    (tmp_path / "cart.py").write_text("def other():\n    pass\n", encoding="utf-8")
    baseline = Bm25Baseline.build(tmp_path)
    assert sorted(baseline.paths) == ["cart.py", "web/cart.go"]  # code files only, not prose
    assert baseline.rank("checkout cart", 5)[0] == "web/cart.go"
