#!/usr/bin/env sh
# Register Codecot with Claude Code for the repository you run this in (project scope,
# shared with the team through .mcp.json).
claude mcp add --scope project codecot -- codecot-mcp --repo .
