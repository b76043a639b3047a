def discount_cases():
    # Each case is a pair: (price, expected price after the discount).
    return [
        (50, 50),
        # Add more cases here.
    ]
