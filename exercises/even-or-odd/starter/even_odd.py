def even_or_odd(number):
    # Use if and else to return "even" or "odd".
    pass
