from shopping import basket_total


def test_bread_and_milk():
    """Two bread at 2.5 and three milk at 1.2 cost 8.6."""
    basket = [("bread", 2.5, 2), ("milk", 1.2, 3)]
    assert basket_total(basket) == 8.6, "this basket should cost 8.6"


def test_one_item():
    """One item: price times quantity."""
    assert basket_total([("apple", 0.5, 4)]) == 2, "4 apples at 0.5 should cost 2.0"
