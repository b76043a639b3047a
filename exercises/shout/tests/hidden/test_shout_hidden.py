from shout import shout


def test_removes_outer_spaces():
    """Removes the spaces at the start and at the end."""
    assert shout("  good morning ", 1) == "GOOD MORNING!"


def test_no_exclamation_marks():
    """Adds no exclamation marks when times is 0."""
    assert shout("quiet", 0) == "QUIET"


def test_keeps_the_middle():
    """Keeps spaces, digits and signs in the middle."""
    assert shout("go team 2, go", 2) == "GO TEAM 2, GO!!"
