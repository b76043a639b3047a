from sum_up_to import sum_up_to


def test_one():
    """The sum up to 1 is 1."""
    assert sum_up_to(1) == 1


def test_zero_and_below():
    """The sum is 0 when n is 0 or less."""
    assert sum_up_to(0) == 0
    assert sum_up_to(-5) == 0


def test_one_hundred():
    """Works for a big n."""
    assert sum_up_to(100) == 5050
