import shapes


def total_area(rooms):
    # rooms is a list of pairs, like [(3, 4), (5, 5)].
    # Use shapes.rectangle_area(width, height) for each room.
    pass


def floor_price(rooms, price_per_m2):
    pass
