from report import total_by_category


def sale(category, amount, date="2024-01-01"):
    return {"date": date, "category": category, "amount": amount}


def test_no_sales():
    """No sales give an empty dictionary."""
    assert total_by_category([]) == {}


def test_many_sales_of_one_category():
    """All sales of one category are added together."""
    sales = [sale("music", 5.0), sale("music", 10.0), sale("books", 1.0), sale("music", 2.5)]
    assert total_by_category(sales) == {"music": 17.5, "books": 1.0}


def test_rounds_to_cents():
    """Totals are rounded to 2 decimals."""
    sales = [sale("food", 0.1), sale("food", 0.2), sale("toys", 1.1), sale("toys", 2.2)]
    assert total_by_category(sales) == {"food": 0.3, "toys": 3.3}
