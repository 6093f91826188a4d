"""The hook bench times real decisions: an edit in scope goes through, one outside is blocked,
a stop before validation is blocked and one after the demo's change passed goes through, also
with a long log before the task's own events."""

from codecot_mcp.bench import hooks


def test_the_hook_bench_times_each_case_with_the_decision_it_got() -> None:
    times = hooks.run(1)
    assert times.exits == {
        "edit in scope": {0},
        "edit out of scope": {2},
        "shell command": {2},
        "stop (no pass yet)": {2},
        "stop (current pass)": {0},
        "edit in scope (20,000 earlier events)": {0},
        "stop (current pass, 20,000 earlier events)": {0},
    }
    assert all(len(values) == 1 for values in times.ms.values())
    assert "| edit in scope | 0 |" in hooks.render(times)
