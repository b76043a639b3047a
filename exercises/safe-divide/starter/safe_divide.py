def safe_divide(a, b):
    # a and b are text. Change them into numbers with float().
    # Use try / except to catch ValueError and ZeroDivisionError.
    pass
