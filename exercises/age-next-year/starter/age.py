name = input("What is your name? ")

# Ask for the age, turn it into a number, and print the message.
