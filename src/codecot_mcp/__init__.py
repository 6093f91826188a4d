"""Codecot: a deterministic MCP server for the discussion-to-PR workflow."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed metadata on first use: importing
    importlib.metadata costs more than a host hook's whole answer should."""
    if name != "__version__":
        raise AttributeError(f"module 'codecot_mcp' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codecot-mcp")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
