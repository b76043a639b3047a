def basket_total(basket):
    # Each item is a tuple: (name, price, quantity).
    # Add price * quantity for every item, then round to 2 decimals.
    pass
