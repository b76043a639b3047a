def basket_total(basket):
    total = 0
    for name, price, quantity in basket:
        total = total + price * quantity
    return round(total, 2)
