from sum_up_to import sum_up_to


def test_up_to_four():
    """1 + 2 + 3 + 4 is 10."""
    assert sum_up_to(4) == 10, "sum_up_to(4) should return 10"
