from floor_plan import total_area
from shapes import rectangle_area


def test_rectangle_area():
    """shapes.rectangle_area(3, 4) returns 12."""
    assert rectangle_area(3, 4) == 12, "rectangle_area(3, 4) in shapes.py should return 3 * 4 = 12"


def test_total_area_of_two_rooms():
    """floor_plan.total_area([(3, 4), (5, 5)]) returns 12 + 25 = 37."""
    assert total_area([(3, 4), (5, 5)]) == 37, "total_area([(3, 4), (5, 5)]) should return 12 + 25 = 37"
