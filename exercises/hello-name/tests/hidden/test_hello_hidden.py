from hello import greet


def test_other_names():
    """Works for other names too."""
    assert greet("Bram") == "Hello, Bram!"
    assert greet("Chloé") == "Hello, Chloé!"


def test_returns_text():
    """Returns the greeting instead of printing it."""
    assert isinstance(greet("Ann"), str)
