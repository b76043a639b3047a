from grading import shared_file

from file_stats import file_stats


def test_empty_file():
    """An empty file has no lines and no words."""
    path = shared_file("empty.txt", "")
    assert file_stats(path) == {"lines": 0, "words": 0}


def test_blank_lines():
    """Empty lines count as lines but have no words."""
    path = shared_file("blank.txt", "first line\n\nthird   line here\n\n")
    assert file_stats(path) == {"lines": 4, "words": 5}


def test_no_new_line_at_the_end():
    """The last line counts even without a new line after it."""
    path = shared_file("last.txt", "one\ntwo three")
    assert file_stats(path) == {"lines": 2, "words": 3}


def test_uses_the_path():
    """Reads the file it is given, whatever its name."""
    path = shared_file("shopping-list.txt", "rice\nbeans\nsalt\ntea\n")
    assert file_stats(path) == {"lines": 4, "words": 4}
