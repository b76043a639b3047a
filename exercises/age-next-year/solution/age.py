name = input("What is your name? ")
age = int(input("How old are you? "))
print(f"{name}, next year you will be {age + 1}.")
