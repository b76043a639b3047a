from times_table import print_table


def test_table_of_seven(capsys):
    """Prints the table of another number."""
    print_table(7)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{i} x 7 = {i * 7}" for i in range(1, 11)]


def test_ten_lines(capsys):
    """Prints exactly 10 lines."""
    print_table(5)
    assert len(capsys.readouterr().out.splitlines()) == 10


def test_table_of_zero(capsys):
    """Works for the table of 0."""
    print_table(0)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{i} x 0 = 0" for i in range(1, 11)]
