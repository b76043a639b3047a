from temperature import to_fahrenheit


def test_boiling_water():
    """100 °C is 212 °F."""
    assert to_fahrenheit(100) == 212


def test_freezing_water():
    """0 °C is 32 °F."""
    assert to_fahrenheit(0) == 32
