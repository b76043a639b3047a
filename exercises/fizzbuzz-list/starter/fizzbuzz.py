def fizzbuzz(n):
    result = []
    # Go over the numbers from 1 to n and add "Fizz", "Buzz", "FizzBuzz" or the number as text.
    return result
