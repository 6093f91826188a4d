"""Turning items into a report people can read."""

from __future__ import annotations

from inventory.items import Item


def total_value(items: list[Item]) -> float:
    return sum(item.value for item in items)


def render_report(items: list[Item]) -> str:
    """A fixed-width text table with one row per item and a total line."""
    lines = [f"{'SKU':<8} {'NAME':<20} {'QTY':>5} {'VALUE':>10}"]
    for item in sorted(items, key=lambda i: i.sku):
        lines.append(f"{item.sku:<8} {item.name:<20} {item.quantity:>5} {item.value:>10.2f}")
    lines.append(f"{'TOTAL':<35} {total_value(items):>10.2f}")
    return "\n".join(lines)
