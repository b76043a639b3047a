import shapes


def total_area(rooms):
    total = 0
    for width, height in rooms:
        total += shapes.rectangle_area(width, height)
    return total


def floor_price(rooms, price_per_m2):
    return round(total_area(rooms) * price_per_m2, 2)
