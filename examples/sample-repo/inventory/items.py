"""Loading stock items from a JSON file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    quantity: int
    unit_price: float

    @property
    def value(self) -> float:
        return self.quantity * self.unit_price


def load_items(path: Path) -> list[Item]:
    """Read items from a JSON list of objects with sku, name, quantity and unit_price."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [Item(r["sku"], r["name"], int(r["quantity"]), float(r["unit_price"])) for r in raw]
