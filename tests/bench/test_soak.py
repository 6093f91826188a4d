"""The soak benchmark at a small size: a real stdio server, the whole call mix, no errors."""

from codecot_mcp.bench.soak import render, run


def test_a_short_soak_runs_every_kind_of_call_without_errors() -> None:
    result = run(calls=60, seed=3)
    assert result.errors == []
    assert sum(len(v) for v in result.latencies_ms.values()) == 60
    assert {"context_pack", "workflow_status", "read_resource"} <= set(result.latencies_ms)
    assert result.rss_kib["start"] > 0 and result.rss_kib["end"] > 0
    table = render(result)
    assert "| all | 60 |" in table and "server memory (RSS): start" in table
