def print_receipt(item, quantity, price):
    # Print the three lines of the receipt.
    pass
