from csv_reader import read_sales
from report import format_report


def main(path):
    # Read the sales, make the report, and print each line.
    pass


# When this file is run as a program, ask for the path with input() and call main.
