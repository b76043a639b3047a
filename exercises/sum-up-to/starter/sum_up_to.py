def sum_up_to(n):
    total = 0
    # Use a for loop to add every number from 1 to n to total.
    return total
