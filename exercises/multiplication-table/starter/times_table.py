def print_table(number):
    # Use a for loop to print 10 lines like "1 x 3 = 3".
    pass
