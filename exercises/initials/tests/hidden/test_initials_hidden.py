from initials import initials


def test_one_part():
    """A single name gives a single initial."""
    assert initials("Bram") == "B."


def test_extra_spaces():
    """Extra spaces between names are ignored."""
    assert initials("  chloé   dupont ") == "C.D."
