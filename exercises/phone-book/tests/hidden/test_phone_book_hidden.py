from phone_book import lookup

BOOK = {"Amina": "0470 12 34 56", "Bram": "0486 98 76 54", "Dmitri": "02 555 01 01"}


def test_name_not_in_book():
    """Names that are not in the book give "Not found", also names that look almost the same."""
    assert lookup(BOOK, "Zara") == "Not found"
    assert lookup(BOOK, "Amin") == "Not found"


def test_empty_book():
    """An empty phone book gives "Not found"."""
    assert lookup({}, "Amina") == "Not found"


def test_number_stays_text():
    """The number comes back exactly as it is in the book."""
    assert lookup(BOOK, "Dmitri") == "02 555 01 01"
    assert lookup({"Eva": "0032"}, "Eva") == "0032"
