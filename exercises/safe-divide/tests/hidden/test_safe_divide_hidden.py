import pytest

from safe_divide import safe_divide


def test_not_a_number():
    """Text that is not a number gives "Please type numbers"."""
    assert safe_divide("ten", "2") == "Please type numbers"
    assert safe_divide("8", "two") == "Please type numbers"
    assert safe_divide("", "5") == "Please type numbers"


def test_zero_with_decimals():
    """Zero written as "0.0" is still zero."""
    assert safe_divide("3", "0.0") == "Cannot divide by zero"


def test_decimals_and_spaces():
    """Works with decimal numbers, negative numbers and spaces around them."""
    assert safe_divide("7.5", "2.5") == pytest.approx(3.0)
    assert safe_divide("-9", "3") == pytest.approx(-3.0)
    assert safe_divide(" 6 ", "4") == pytest.approx(1.5)
