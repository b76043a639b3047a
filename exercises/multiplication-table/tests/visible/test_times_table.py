from times_table import print_table


def test_table_of_three(capsys):
    """print_table(3) prints the table of 3, from 1 x 3 = 3 to 10 x 3 = 30."""
    print_table(3)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["1 x 3 = 3", "2 x 3 = 6"], "print_table(3) should start with '1 x 3 = 3' and '2 x 3 = 6'"
    assert lines[-1] == "10 x 3 = 30", "the last line of print_table(3) should be '10 x 3 = 30'"
