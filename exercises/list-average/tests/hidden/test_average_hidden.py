import pytest

from average import average


def test_empty_list():
    """An empty list gives 0."""
    assert average([]) == 0


def test_one_number():
    """A list with one number gives that number."""
    assert average([7]) == 7


def test_decimals_and_negatives():
    """Works with negative and decimal numbers."""
    assert average([-2, -4]) == -3
    assert average([1.5, 2.5, 3.5]) == pytest.approx(2.5)
    assert average([1, 2, 2]) == pytest.approx(5 / 3)
