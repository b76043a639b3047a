from report import best_month


def sale(date, amount, category="books"):
    return {"date": date, "category": category, "amount": amount}


def test_no_sales():
    """No sales give None."""
    assert best_month([]) is None


def test_adds_sales_of_the_same_month():
    """Many small sales in one month beat one big sale in another month."""
    sales = [
        sale("2024-03-01", 10.0),
        sale("2024-05-20", 25.0),
        sale("2024-03-15", 10.0),
        sale("2024-03-30", 10.0),
    ]
    assert best_month(sales) == "2024-03"
    assert best_month([sale("2023-12-31", 1.0)]) == "2023-12"


def test_tie_gives_the_earliest_month():
    """When two months sell the same, the earlier month wins."""
    sales = [sale("2024-04-10", 20.0), sale("2024-02-01", 5.0), sale("2024-02-28", 15.0), sale("2024-01-09", 3.0)]
    assert best_month(sales) == "2024-02"
