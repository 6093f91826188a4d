"""Command line: print the stock report of an items file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inventory.items import load_items
from inventory.report import render_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inventory")
    parser.add_argument("items", type=Path)
    args = parser.parse_args(argv)
    sys.stdout.write(render_report(load_items(args.items)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
