from rectangle import Rectangle


def test_keeps_its_sides():
    """Rectangle(3, 4) keeps width 3 and height 4."""
    box = Rectangle(3, 4)
    assert box.width == 3, "Rectangle(3, 4).width should be 3"
    assert box.height == 4, "Rectangle(3, 4).height should be 4"


def test_area():
    """Rectangle(3, 4).area() returns 12."""
    box = Rectangle(3, 4)
    assert box.area() == 12, "Rectangle(3, 4).area() should return 3 * 4 = 12"
