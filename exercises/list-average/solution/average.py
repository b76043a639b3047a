def average(numbers):
    if len(numbers) == 0:
        return 0
    return sum(numbers) / len(numbers)
