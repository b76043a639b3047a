from biggest import biggest


def test_three_numbers():
    """biggest([3, 9, 4]) returns 9."""
    assert biggest([3, 9, 4]) == 9, "biggest([3, 9, 4]) should return 9"


def test_biggest_at_the_end():
    """The biggest number can be the last one."""
    assert biggest([1, 5, 2, 8]) == 8, "biggest([1, 5, 2, 8]) should return 8"
