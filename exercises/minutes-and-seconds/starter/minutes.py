def to_minutes(total_seconds):
    # Work out the minutes and the seconds, then return the text.
    pass
