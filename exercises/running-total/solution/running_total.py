def running_total(numbers):
    total = 0
    totals = []
    for number in numbers:
        total = total + number
        totals.append(total)
    return totals
