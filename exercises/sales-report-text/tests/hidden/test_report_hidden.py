from report import format_report


def sale(date, category, amount):
    return {"date": date, "category": category, "amount": amount}


def test_categories_in_alphabetical_order():
    """Categories are listed from A to Z."""
    sales = [sale("2024-01-01", "toys", 1.0), sale("2024-01-02", "art", 2.0), sale("2024-01-03", "music", 3.0)]
    lines = format_report(sales)
    assert lines[1:4] == ["art: 2.00", "music: 3.00", "toys: 1.00"]


def test_always_two_decimals():
    """All amounts have 2 digits after the dot."""
    sales = [sale("2024-05-05", "food", 7), sale("2024-05-06", "food", 0.5)]
    assert format_report(sales) == ["Sales report", "food: 7.50", "Total: 7.50", "Best month: 2024-05"]


def test_no_sales():
    """A report without sales still has the title, a zero total and 'none'."""
    assert format_report([]) == ["Sales report", "Total: 0.00", "Best month: none"]


def test_total_of_all_sales():
    """The total line adds up every sale."""
    sales = [
        sale("2024-03-11", "games", 22.0),
        sale("2024-01-05", "books", 12.5),
        sale("2024-02-20", "music", 15.75),
        sale("2024-03-02", "books", 8.0),
    ]
    assert format_report(sales) == [
        "Sales report",
        "books: 20.50",
        "games: 22.00",
        "music: 15.75",
        "Total: 58.25",
        "Best month: 2024-03",
    ]
