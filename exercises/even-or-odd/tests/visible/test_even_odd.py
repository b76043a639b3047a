from even_odd import even_or_odd


def test_four_is_even():
    """4 is even."""
    assert even_or_odd(4) == "even", "even_or_odd(4) should return 'even'"


def test_seven_is_odd():
    """7 is odd."""
    assert even_or_odd(7) == "odd", "even_or_odd(7) should return 'odd'"
