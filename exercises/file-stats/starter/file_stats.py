def file_stats(path):
    # Open the file at path.
    # Count the lines and the words, then return them in a dictionary:
    # {"lines": ..., "words": ...}
    pass
