from initials import initials


def test_three_parts():
    """initials("amina el idrissi") returns "A.E.I."."""
    assert initials("amina el idrissi") == "A.E.I."
