import math

from temperature import to_fahrenheit


def test_below_zero():
    """Works below zero."""
    assert to_fahrenheit(-40) == -40


def test_decimals():
    """Works with decimal numbers."""
    assert math.isclose(to_fahrenheit(21.5), 70.7)
