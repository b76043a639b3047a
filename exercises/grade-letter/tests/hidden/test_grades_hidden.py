from grades import grade_letter


def test_exact_limits():
    """A score exactly on a limit gets the higher grade."""
    assert grade_letter(90) == "A"
    assert grade_letter(80) == "B"
    assert grade_letter(70) == "C"
    assert grade_letter(60) == "D"


def test_just_below_limits():
    """A score just below a limit gets the lower grade."""
    assert grade_letter(89) == "B"
    assert grade_letter(79) == "C"
    assert grade_letter(69) == "D"
    assert grade_letter(59) == "F"


def test_lowest_and_highest():
    """Works for the lowest and the highest score."""
    assert grade_letter(100) == "A"
    assert grade_letter(0) == "F"
