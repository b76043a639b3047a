from vowels import count_vowels


def test_capital_letters():
    """Capital vowels count too."""
    assert count_vowels("Amina") == 3
    assert count_vowels("AEIOU aeiou") == 10


def test_no_vowels():
    """Returns 0 when there are no vowels."""
    assert count_vowels("rhythm") == 0
    assert count_vowels("") == 0


def test_spaces_and_signs():
    """Spaces and signs are not vowels."""
    assert count_vowels("Hello, world!") == 3
