def rectangle_area(width, height):
    pass


def square_area(side):
    pass
