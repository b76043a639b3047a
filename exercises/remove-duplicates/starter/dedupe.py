def remove_duplicates(items):
    # Make a new, empty list.
    # Add each item to it, but only the first time you see it.
    pass
