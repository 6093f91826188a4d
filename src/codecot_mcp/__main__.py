"""`python -m codecot_mcp`: the same as the `codecot-mcp` command."""

import sys

from codecot_mcp.cli.main import main

sys.exit(main())
