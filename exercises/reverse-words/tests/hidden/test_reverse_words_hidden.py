from reverse_words import reverse_words


def test_one_word():
    """One word stays the same."""
    assert reverse_words("hello") == "hello"


def test_extra_spaces():
    """Extra spaces are ignored, and the result has one space between words."""
    assert reverse_words("  see   you  soon ") == "soon you see"


def test_empty_sentence():
    """An empty sentence gives an empty string."""
    assert reverse_words("") == ""
