def top_three(scores):
    # Sort the scores from big to small,
    # then return the first three.
    pass
