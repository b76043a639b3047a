from dedupe import remove_duplicates


def test_keeps_first_order():
    """Items stay in the order they first appear."""
    assert remove_duplicates([9, 2, 9, 5, 2, 1]) == [9, 2, 5, 1]
    assert remove_duplicates(["pear", "apple", "pear", "fig"]) == ["pear", "apple", "fig"]


def test_empty_list():
    """An empty list gives an empty list."""
    assert remove_duplicates([]) == []


def test_capitals_are_different():
    """Words with different capitals are different items."""
    assert remove_duplicates(["Tea", "tea", "Tea"]) == ["Tea", "tea"]
