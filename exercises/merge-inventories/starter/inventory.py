def merge_inventories(first, second):
    # Start with a copy of the first shop.
    # Then add the items of the second shop.
    pass
