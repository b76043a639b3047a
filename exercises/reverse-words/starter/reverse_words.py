def reverse_words(sentence):
    # 1. Split the sentence into a list of words.
    # 2. Reverse the list.
    # 3. Join the words with one space and return the result.
    pass
