from average import average


def test_three_numbers():
    """average([2, 4, 6]) returns 4."""
    assert average([2, 4, 6]) == 4, "average([2, 4, 6]) should return 4.0"


def test_half():
    """average([1, 2]) returns 1.5."""
    assert average([1, 2]) == 1.5, "average([1, 2]) should return 1.5"
