from word_count import count_words


def test_capitals_do_not_matter():
    """Words with different capitals count as the same word, in lower-case."""
    assert count_words("Tea tea TEA") == {"tea": 3}
    assert count_words("Good morning good people") == {"good": 2, "morning": 1, "people": 1}


def test_empty_text():
    """A text with no words gives an empty dictionary."""
    assert count_words("") == {}
    assert count_words("   ") == {}


def test_spaces_and_new_lines():
    """Extra spaces and new lines do not count as words."""
    assert count_words("  one  two\none\n") == {"one": 2, "two": 1}
