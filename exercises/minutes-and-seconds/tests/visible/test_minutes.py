from minutes import to_minutes


def test_125_seconds():
    """125 seconds is 2 minutes and 5 seconds."""
    assert to_minutes(125) == "2 min 5 s", "to_minutes(125) should return '2 min 5 s'"


def test_one_minute():
    """60 seconds is 1 minute and 0 seconds."""
    assert to_minutes(60) == "1 min 0 s", "to_minutes(60) should return '1 min 0 s'"
