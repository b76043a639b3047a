def print_receipt(item, quantity, price):
    total = quantity * price
    print("Item:", item)
    print("Quantity:", quantity)
    print("Total:", total, "euro")
