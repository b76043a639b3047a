import math

from floor_plan import floor_price, total_area
from shapes import square_area


def test_square_area():
    """shapes.square_area works for several sides."""
    assert square_area(5) == 25
    assert square_area(1) == 1
    assert square_area(0) == 0


def test_no_rooms():
    """A plan with no rooms has an area of 0."""
    assert total_area([]) == 0
    assert total_area([(2, 3)]) == 6


def test_floor_price():
    """floor_price is the total area times the price, rounded to 2 decimals."""
    assert floor_price([(3, 4), (5, 5)], 20) == 740
    assert floor_price([(2, 2)], 12.5) == 50
    assert floor_price([(1, 1), (1, 2)], 9.99) == 29.97
    assert floor_price([], 20) == 0


def test_decimal_sizes():
    """Rooms with decimal sides work too."""
    assert math.isclose(total_area([(2.5, 4), (1.5, 2)]), 13)
