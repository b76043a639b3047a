from report import format_report


def test_report_of_three_sales():
    """The report has a title, a line per category, the total and the best month."""
    sales = [
        {"date": "2024-01-05", "category": "games", "amount": 30.0},
        {"date": "2024-01-17", "category": "books", "amount": 12.5},
        {"date": "2024-02-02", "category": "books", "amount": 8.0},
    ]
    expected = ["Sales report", "books: 20.50", "games: 30.00", "Total: 50.50", "Best month: 2024-01"]
    assert format_report(sales) == expected, "Check the order of the lines and the 2 decimals"
