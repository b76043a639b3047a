from phone_book import lookup

BOOK = {"Amina": "0470 12 34 56", "Bram": "0486 98 76 54"}


def test_find_bram():
    """lookup(book, "Bram") returns Bram's number."""
    assert lookup(BOOK, "Bram") == "0486 98 76 54", "lookup(book, 'Bram') should return '0486 98 76 54'"


def test_unknown_name():
    """A name that is not in the book gives "Not found"."""
    assert lookup(BOOK, "Chloé") == "Not found", "lookup(book, 'Chloé') should return 'Not found'"
