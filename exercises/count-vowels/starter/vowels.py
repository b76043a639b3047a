def count_vowels(text):
    count = 0
    # Go over each letter of text and add 1 to count for each vowel.
    return count
