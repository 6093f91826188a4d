"""Where the shipped data lives: `prompts/` and `examples/`.

A built wheel carries them inside the package (`codecot_mcp/_data/`); an
editable install or a source checkout reads them from the repository.
"""

from __future__ import annotations

from pathlib import Path

from codecot_mcp.errors import CodecotError

_PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
_SOURCE_TREE = Path(__file__).resolve().parents[2]


def data_dir(name: str) -> Path:
    for base in (_PACKAGE_DATA, _SOURCE_TREE):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise CodecotError(
        f"the '{name}' folder shipped with Codecot is missing",
        hint="reinstall codecot-mcp (pip install --force-reinstall codecot-mcp)",
    )
