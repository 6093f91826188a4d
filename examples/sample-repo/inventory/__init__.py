"""Stock items and the reports made from them."""
