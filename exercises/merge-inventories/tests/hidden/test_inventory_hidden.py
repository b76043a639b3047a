from inventory import merge_inventories


def test_item_only_in_second():
    """Items that only the second shop has are in the result."""
    assert merge_inventories({"rice": 1}, {"beans": 6, "salt": 2}) == {"rice": 1, "beans": 6, "salt": 2}


def test_empty_inventories():
    """An empty shop adds nothing."""
    assert merge_inventories({}, {"milk": 3}) == {"milk": 3}
    assert merge_inventories({"milk": 3}, {}) == {"milk": 3}
    assert merge_inventories({}, {}) == {}


def test_many_shared_items():
    """Every item both shops have is added up, also when a count is 0."""
    first = {"pens": 10, "paper": 0, "ink": 4}
    second = {"ink": 1, "pens": 5, "paper": 7}
    assert merge_inventories(first, second) == {"pens": 15, "paper": 7, "ink": 5}
