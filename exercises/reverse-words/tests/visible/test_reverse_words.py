from reverse_words import reverse_words


def test_four_words():
    """reverse_words("I like green tea") returns "tea green like I"."""
    assert reverse_words("I like green tea") == "tea green like I", (
        "reverse_words('I like green tea') should return 'tea green like I'"
    )
