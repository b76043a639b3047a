def sum_up_to(n):
    total = 0
    for number in range(1, n + 1):
        total = total + number
    return total
