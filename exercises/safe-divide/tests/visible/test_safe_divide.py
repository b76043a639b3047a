from safe_divide import safe_divide


def test_ten_by_four():
    """safe_divide("10", "4") returns 2.5."""
    assert safe_divide("10", "4") == 2.5, "safe_divide('10', '4') should return 2.5"


def test_divide_by_zero():
    """Dividing by zero gives a friendly message instead of a crash."""
    assert safe_divide("1", "0") == "Cannot divide by zero", (
        "safe_divide('1', '0') should return 'Cannot divide by zero'"
    )
