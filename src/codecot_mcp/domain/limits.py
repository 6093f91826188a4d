"""Every size limit on what a caller may send, in one place.

The request models (services/requests.py) put these into the schemas the MCP
tools publish and the CLI's flags check, and the config (store/config.py) reuses
the token budget's range, so a limit is changed here once and holds everywhere.
"""

from __future__ import annotations

ARTIFACT_ID_CHARS = 40  # 'TASK-12345' with room to spare; refused whole, never cut
LIST_ITEMS = 100  # globs, requirement IDs, check names per call
TEXT_ITEM_CHARS = 2_000  # one risk, test-plan item, criterion or statement
TITLE_CHARS = 200
SOURCE_CHARS = 500
REVISION_CHARS = 250  # a git revision: a SHA, a branch or 'main~3'

MAX_DISCUSSION_CHARS = 1_000_000  # a long issue thread; a pasted file dump is refused
# The agent's refined intent sections: an intent is a page people review, not a place to paste files.
INTENT_SECTION_ITEMS = 50
INTENT_ITEM_CHARS = 2_000
MAX_QUERY_CHARS = 100_000  # an issue with its traceback and pasted code
MAX_RATIONALE_CHARS = 2_000

MIN_TOKEN_BUDGET = 200
MAX_TOKEN_BUDGET = 200_000
MAX_BUDGET_FILES = 10_000
MAX_BUDGET_LINES = 1_000_000
