"""Codecot: a deterministic MCP server for the discussion-to-PR workflow."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("codecot-mcp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
