from report import total_by_category


def test_two_categories():
    """Two books sales and one games sale give two totals."""
    sales = [
        {"date": "2024-01-05", "category": "books", "amount": 12.5},
        {"date": "2024-01-17", "category": "games", "amount": 30.0},
        {"date": "2024-02-02", "category": "books", "amount": 8.0},
    ]
    expected = {"books": 20.5, "games": 30.0}
    assert total_by_category(sales) == expected, "books is 12.5 + 8.0 = 20.5, games is 30.0"
