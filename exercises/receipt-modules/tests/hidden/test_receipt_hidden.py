from money import format_price
from receipt import receipt_lines


def test_small_and_round_prices():
    """format_price always shows 2 digits after the dot."""
    assert format_price(5) == "0.05"
    assert format_price(100) == "1.00"
    assert format_price(0) == "0.00"
    assert format_price(123450) == "1234.50"


def test_total_line():
    """The last line holds the total of all items."""
    lines = receipt_lines([("apples", 120), ("cheese", 455), ("eggs", 325)])
    assert lines == ["apples: 1.20", "cheese: 4.55", "eggs: 3.25", "Total: 9.00"]


def test_empty_receipt():
    """A receipt with no items has only the total line."""
    assert receipt_lines([]) == ["Total: 0.00"]
