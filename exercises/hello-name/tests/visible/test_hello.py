from hello import greet


def test_greets_amina():
    """greet("Amina") returns "Hello, Amina!"."""
    assert greet("Amina") == "Hello, Amina!"
