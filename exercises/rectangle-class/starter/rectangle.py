class Rectangle:
    def __init__(self, width, height):
        # Save width and height on self, for example: self.width = width
        pass

    def area(self):
        # Return width times height.
        pass

    def perimeter(self):
        # Return the length all around the rectangle.
        pass

    def is_square(self):
        # Return True or False.
        pass
