from shopping import basket_total


def test_empty_basket():
    """An empty basket costs 0."""
    assert basket_total([]) == 0


def test_quantity_zero():
    """An item with quantity 0 adds nothing."""
    assert basket_total([("rice", 3.0, 0), ("soap", 1.75, 2)]) == 3.5


def test_rounds_to_cents():
    """The total is rounded to 2 decimals."""
    assert basket_total([("sweet", 0.1, 3)]) == 0.3
    assert basket_total([("pen", 0.7, 1), ("pencil", 0.1, 2)]) == 0.9
