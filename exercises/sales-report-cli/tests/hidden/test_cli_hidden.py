from grading import run_program, shared_file

import cli
from csv_reader import read_sales
from report import format_report

BIGGER = (
    "date,category,amount\n"
    "2024-03-11,games,22.00\n"
    "2024-01-05, books ,12.50\n"
    "2024-02-20,music,15.75\n"
    "\n"
    "2024-03-02,books,8\n"
    "\n"
)

BIGGER_REPORT = ["Sales report", "books: 20.50", "games: 22.00", "music: 15.75", "Total: 58.25", "Best month: 2024-03"]


def test_run_as_a_program():
    """Run as a program, cli.py asks for the path and prints the report."""
    path = shared_file("bigger.csv", BIGGER)
    output = run_program("cli", stdin=path + "\n")
    assert "Sales report" in output
    assert output.rstrip("\n").endswith("\n".join(BIGGER_REPORT[1:]))


def test_file_with_only_the_header(capsys):
    """A file without sales gives a report with a zero total."""
    path = shared_file("nothing.csv", "date,category,amount\n")
    cli.main(path)
    assert capsys.readouterr().out.splitlines() == ["Sales report", "Total: 0.00", "Best month: none"]


def test_each_file_does_its_own_job(capsys):
    """csv_reader returns the sales and report returns the lines; neither prints."""
    path = shared_file("bigger.csv", BIGGER)
    sales = read_sales(path)
    assert len(sales) == 4
    assert sales[1] == {"date": "2024-01-05", "category": "books", "amount": 12.5}
    assert format_report(sales) == BIGGER_REPORT
    assert capsys.readouterr().out == ""
