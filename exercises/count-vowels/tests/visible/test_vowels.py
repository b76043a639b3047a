from vowels import count_vowels


def test_banana():
    """The word "banana" has 3 vowels."""
    assert count_vowels("banana") == 3, "count_vowels('banana') should return 3"
