def shout(text, times):
    # Return the text in capitals, followed by times exclamation marks.
    pass
