def print_table(number):
    for i in range(1, 11):
        print(f"{i} x {number} = {i * number}")
