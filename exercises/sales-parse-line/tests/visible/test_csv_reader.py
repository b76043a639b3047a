from csv_reader import parse_sale


def test_parse_one_line():
    """parse_sale("2024-01-05,books,12.50") returns a dictionary with a float amount."""
    sale = parse_sale("2024-01-05,books,12.50")
    expected = {"date": "2024-01-05", "category": "books", "amount": 12.5}
    assert sale == expected, "The amount should be the number 12.5, not the text '12.50'"
