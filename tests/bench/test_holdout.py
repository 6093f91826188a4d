import json
from pathlib import Path

import pytest

from codecot_mcp.bench.holdout import RepoScore, candidates, folds, render, run
from codecot_mcp.bench.localize import load_tasks
from codecot_mcp.errors import InvalidInputError
from codecot_mcp.intel.ranking import WEIGHTS, Weights
from tests.conftest import write_files


def _fitted_to_b(weights: Weights) -> dict[str, RepoScore]:
    """A stand-in ranking: a larger BM25 weight helps repository b only and costs a a little."""
    larger = weights.bm25 > WEIGHTS.bm25
    hit_b = 1 + 3 * larger
    return {
        "a": RepoScore(tasks=4, hit5=3 - larger, one_file=4, one_hit1=2, one_hit5=3 - larger),
        "b": RepoScore(tasks=4, hit5=hit_b, one_file=4, one_hit1=hit_b, one_hit5=hit_b),
    }


def test_the_repository_held_out_never_chooses_its_own_weights() -> None:
    by_held = {fold.held_out: fold for fold in folds(_fitted_to_b, ["a", "b"], sweeps=1)}
    assert by_held["b"].moved == {}  # tuned on a alone: the larger weight loses there
    assert by_held["b"].tuned == by_held["b"].shipped
    assert set(by_held["a"].moved) == {"bm25"} and by_held["a"].weights.bm25 > WEIGHTS.bm25
    assert by_held["a"].tuned.hit5 == 2  # what fitting b costs a, measured on a
    assert by_held[None].moved  # on both, b's gain outweighs a's loss: in sample, it looks better
    table = render(list(by_held.values()))
    assert "| a | 4 | 50.0% / 75.0% | 75.0% | 50.0% / 50.0% | 50.0% | bm25 7 -> " in table
    assert "| b | 4 | 25.0% / 25.0% | 25.0% | 25.0% / 25.0% | 25.0% | none |" in table


def test_a_factor_is_never_scaled_past_all_of_it() -> None:
    values = [c.test_file for c in candidates(WEIGHTS, "test_file")]
    assert max(values) == 1.0 and min(values) == pytest.approx(WEIGHTS.test_file * 0.5)
    assert max(c.bm25 for c in candidates(WEIGHTS, "bm25")) == pytest.approx(WEIGHTS.bm25 * 1.5)


def _task(instance_id: str, repo: str, problem: str, gold: str) -> str:
    return json.dumps(
        {
            "instance_id": instance_id,
            "repo": repo,
            "problem_statement": problem,
            "gold_files": [gold],
            "gold_hunks": {gold: [[1, 1]]},
        }
    )


def test_the_benchmark_runs_on_real_trees_and_needs_two_repositories(tmp_path: Path) -> None:
    trees = tmp_path / "trees"
    write_files(
        trees / "r-1",
        {"pkg/report.py": "def render_report(rows):\n    return rows\n", "pkg/util.py": "x = 1\n"},
    )
    write_files(
        trees / "s-1", {"src/parse.py": "def parse_date(text):\n    return text\n", "src/io.py": "y = 2\n"}
    )
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        _task("r-1", "o/report", "render_report fails on empty rows", "pkg/report.py")
        + "\n"
        + _task("s-1", "o/dates", "parse_date rejects ISO dates", "src/parse.py")
        + "\n"
    )
    table = run(load_tasks(tasks), trees, sweeps=1)
    assert "| o/report | 1 | 100.0% / 100.0% | 100.0% |" in table
    assert "| o/dates | 1 | 100.0% / 100.0% | 100.0% |" in table
    assert "| none: all tuned on all (in sample) | 2 |" in table
    with pytest.raises(InvalidInputError, match="at least two"):
        run(load_tasks(tasks, repos=["o/report"]), trees)
