def even_or_odd(number):
    if number % 2 == 0:
        return "even"
    else:
        return "odd"
