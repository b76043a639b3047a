from grading import shared_file

import cli

SALES = "date,category,amount\n2024-01-05,games,30.00\n2024-01-17,books,12.50\n2024-02-02,books,8.00\n"


def test_main_prints_the_report(capsys):
    """main(path) prints the report of the file, one line at a time."""
    assert hasattr(cli, "main"), (
        "cli.py should have a function main(path). Put input() inside if __name__ == '__main__':, "
        "so it does not run when the tests import cli.py"
    )
    path = shared_file("sales.csv", SALES)
    cli.main(path)
    printed = capsys.readouterr().out.splitlines()
    expected = ["Sales report", "books: 20.50", "games: 30.00", "Total: 50.50", "Best month: 2024-01"]
    assert printed == expected, "main should print each line of the report, and nothing else"
