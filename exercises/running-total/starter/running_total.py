def running_total(numbers):
    # Start with total = 0 and an empty list.
    # For each number: add it to total, then append total to the list.
    pass
