from grading import shared_file

from file_stats import file_stats


def test_two_lines():
    """A file with two lines and six words."""
    path = shared_file("notes.txt", "Buy milk and bread\nCall Amina\n")
    assert file_stats(path) == {"lines": 2, "words": 6}, (
        "for 'Buy milk and bread' and 'Call Amina', file_stats should return {'lines': 2, 'words': 6}"
    )
