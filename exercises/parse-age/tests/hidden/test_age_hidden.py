import pytest

from age import parse_age


def test_spaces_around():
    """Spaces around the number are fine."""
    assert parse_age(" 30 ") == 30


def test_not_whole_numbers():
    """Empty text and decimal numbers raise ValueError with the "whole number" message."""
    with pytest.raises(ValueError, match="age must be a whole number"):
        parse_age("")
    with pytest.raises(ValueError, match="age must be a whole number"):
        parse_age("12.5")


def test_out_of_range():
    """Ages below 0 or above 150 raise ValueError with the "between 0 and 150" message."""
    with pytest.raises(ValueError, match="age must be between 0 and 150"):
        parse_age("-5")
    with pytest.raises(ValueError, match="age must be between 0 and 150"):
        parse_age("200")


def test_edges_are_allowed():
    """0 and 150 are good ages."""
    assert parse_age("0") == 0
    assert parse_age("150") == 150
