from minutes import to_minutes


def test_less_than_a_minute():
    """Works for less than one minute."""
    assert to_minutes(45) == "0 min 45 s"
    assert to_minutes(0) == "0 min 0 s"


def test_whole_minutes():
    """Works when the seconds are a whole number of minutes."""
    assert to_minutes(180) == "3 min 0 s"


def test_long_time():
    """Works for more than an hour."""
    assert to_minutes(3601) == "60 min 1 s"
