def greet(name):
    # Build the greeting and return it.
    pass
