from rectangle import Rectangle


def test_perimeter():
    """perimeter() returns the length all around."""
    assert Rectangle(3, 4).perimeter() == 14
    assert Rectangle(10, 1).perimeter() == 22
    assert Rectangle(2.5, 2).perimeter() == 9


def test_is_square():
    """is_square() says True only when both sides are the same."""
    assert Rectangle(5, 5).is_square() is True
    assert Rectangle(5, 6).is_square() is False
    assert Rectangle(1, 2).is_square() is False


def test_each_rectangle_has_its_own_sides():
    """Two rectangles do not share their sides."""
    small = Rectangle(1, 2)
    big = Rectangle(10, 20)
    assert small.area() == 2
    assert big.area() == 200
    assert small.perimeter() == 6
    assert big.perimeter() == 60
