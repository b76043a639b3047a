from grades import grade_letter


def test_95_is_an_a():
    """A score of 95 gives an A."""
    assert grade_letter(95) == "A", "grade_letter(95) should return 'A'"


def test_72_is_a_c():
    """A score of 72 gives a C."""
    assert grade_letter(72) == "C", "grade_letter(72) should return 'C'"
