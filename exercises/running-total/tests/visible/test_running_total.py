from running_total import running_total


def test_savings():
    """running_total([5, 10, 5]) returns [5, 15, 20]."""
    assert running_total([5, 10, 5]) == [5, 15, 20], "running_total([5, 10, 5]) should return [5, 15, 20]"
