import pytest

from age import parse_age


def test_good_age():
    """parse_age("42") returns the number 42."""
    assert parse_age("42") == 42, "parse_age('42') should return 42 (an int, not the text '42')"


def test_letters_raise_an_error():
    """parse_age("abc") raises ValueError("age must be a whole number")."""
    with pytest.raises(ValueError, match="age must be a whole number"):
        parse_age("abc")
