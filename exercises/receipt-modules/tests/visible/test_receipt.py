from money import format_price
from receipt import receipt_lines


def test_format_price():
    """money.format_price(1250) returns "12.50"."""
    assert format_price(1250) == "12.50", "format_price(1250) should return '12.50'"


def test_receipt_of_two_items():
    """receipt.receipt_lines gives one line per item and a total line."""
    lines = receipt_lines([("bread", 250), ("milk", 99)])
    assert lines == ["bread: 2.50", "milk: 0.99", "Total: 3.49"], "Two item lines, then 'Total: 3.49'"
