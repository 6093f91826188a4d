"""bench integrity: its scenarios judge as they claim (a sample: the full run is the benchmark)."""

from pathlib import Path

import pytest

from codecot_mcp.bench.integrity import SCENARIOS, report, run_scenario

SAMPLE = ["honest: the fix with a new test", "a base test deleted", "a later base hides a commit"]


@pytest.mark.parametrize("name", SAMPLE)
def test_a_scenario_ends_as_it_should(name: str, tmp_path: Path) -> None:
    (scenario,) = [s for s in SCENARIOS if s.name == name]
    outcome = run_scenario(scenario, tmp_path)
    assert outcome.right, (outcome.verdict, outcome.codes)
    assert f"| {name} |" in report([outcome]) and "| NO |" not in report([outcome])


def test_the_scenarios_cover_both_sides() -> None:
    assert sum(s.honest for s in SCENARIOS) >= 2 and sum(not s.honest for s in SCENARIOS) >= 10
