import money


def receipt_lines(items):
    # items is a list of pairs, like [("bread", 250), ("milk", 99)].
    lines = []
    # Add one line per item, then the total line.
    return lines
