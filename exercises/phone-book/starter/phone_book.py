def lookup(book, name):
    # If the name is in the book, return its number.
    # If not, return "Not found".
    pass
