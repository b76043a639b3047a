from shout import shout


def test_hello_three_times():
    """shout("hello", 3) returns "HELLO!!!"."""
    assert shout("hello", 3) == "HELLO!!!", "shout('hello', 3) should return 'HELLO!!!'"
