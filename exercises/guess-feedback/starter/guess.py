secret = int(input("Secret number: "))
guesses = 0

# Use a loop: ask for a guess, add 1 to guesses, and print
# "Too low!", "Too high!" or "Correct! Guesses: ..." (then stop).
