def lookup(book, name):
    if name in book:
        return book[name]
    return "Not found"
