from csv_reader import parse_sale


def test_newline_at_the_end():
    """A line with a newline at the end works."""
    assert parse_sale("2024-02-02,music,8.25\n") == {"date": "2024-02-02", "category": "music", "amount": 8.25}


def test_spaces_around_values():
    """Spaces around the values are removed."""
    sale = parse_sale(" 2024-01-17 ,  games , 30.00 \n")
    assert sale == {"date": "2024-01-17", "category": "games", "amount": 30.0}


def test_amount_is_a_float():
    """The amount is always a float, even without a dot."""
    sale = parse_sale("2024-03-11,games,7")
    assert sale["amount"] == 7.0
    assert type(sale["amount"]) is float
