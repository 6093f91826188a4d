import unittest

from inventory.items import Item
from inventory.report import render_report, total_value

ITEMS = [Item("B-2", "Bolt", 10, 0.25), Item("A-1", "Anchor", 2, 12.5)]


class ReportTest(unittest.TestCase):
    def test_total_value_sums_quantity_times_price(self) -> None:
        self.assertAlmostEqual(total_value(ITEMS), 27.5)

    def test_report_lists_items_by_sku_and_a_total(self) -> None:
        lines = render_report(ITEMS).splitlines()
        self.assertTrue(lines[1].startswith("A-1"))
        self.assertTrue(lines[-1].startswith("TOTAL"))


if __name__ == "__main__":
    unittest.main()
