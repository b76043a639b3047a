from grading import shared_file

from csv_reader import read_sales


def test_read_two_sales():
    """A file with a header and two sales gives a list of two dictionaries."""
    path = shared_file("sales.csv", "date,category,amount\n2024-01-05,books,12.50\n2024-01-17,games,30.00\n")
    expected = [
        {"date": "2024-01-05", "category": "books", "amount": 12.5},
        {"date": "2024-01-17", "category": "games", "amount": 30.0},
    ]
    assert read_sales(path) == expected, "One dictionary per sale; the header line is not a sale"
