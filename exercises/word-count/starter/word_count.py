def count_words(text):
    # Make an empty dictionary.
    # For each word (in lower-case), add 1 to its count.
    pass
