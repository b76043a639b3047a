from running_total import running_total


def test_empty_list():
    """An empty list gives an empty list."""
    assert running_total([]) == []


def test_negative_numbers():
    """Works when some numbers are below zero."""
    assert running_total([10, -3, -7, 2]) == [10, 7, 0, 2]


def test_same_length():
    """The result has one total for each number."""
    assert running_total([4]) == [4]
    assert running_total([1, 2, 3, 4, 5]) == [1, 3, 6, 10, 15]
