from report import best_month


def test_best_of_two_months():
    """January (12.5 + 30.0) sells more than February (8.0)."""
    sales = [
        {"date": "2024-01-05", "category": "books", "amount": 12.5},
        {"date": "2024-01-17", "category": "games", "amount": 30.0},
        {"date": "2024-02-02", "category": "books", "amount": 8.0},
    ]
    assert best_month(sales) == "2024-01", "January has 42.5 and February has 8.0, so the answer is '2024-01'"
