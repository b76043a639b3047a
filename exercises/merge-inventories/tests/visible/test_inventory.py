from inventory import merge_inventories


def test_two_shops():
    """Apples are in both shops, so their numbers are added."""
    result = merge_inventories({"apples": 5, "pears": 2}, {"apples": 3, "lemons": 4})
    assert result == {"apples": 8, "pears": 2, "lemons": 4}, (
        "the result should be {'apples': 8, 'pears': 2, 'lemons': 4}"
    )
