def biggest(numbers):
    # Go through the list and remember the biggest number so far.
    # If the list is empty, return None.
    pass
