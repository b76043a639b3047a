from biggest import biggest


def test_all_negative():
    """Works when every number is below zero."""
    assert biggest([-7, -3, -10]) == -3


def test_one_number():
    """A list with one number gives that number."""
    assert biggest([42]) == 42


def test_empty_list():
    """An empty list gives None."""
    assert biggest([]) is None
