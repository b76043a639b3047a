from even_odd import even_or_odd


def test_zero():
    """0 is even."""
    assert even_or_odd(0) == "even"


def test_negative_numbers():
    """Works for negative numbers."""
    assert even_or_odd(-8) == "even"
    assert even_or_odd(-3) == "odd"


def test_big_numbers():
    """Works for big numbers."""
    assert even_or_odd(1000000) == "even"
    assert even_or_odd(123456789) == "odd"
