from grading import shared_file

from csv_reader import read_sales


def test_only_the_header():
    """A file with only the header has no sales."""
    path = shared_file("empty.csv", "date,category,amount\n")
    assert read_sales(path) == []


def test_skips_empty_lines():
    """Empty lines in the file are skipped."""
    path = shared_file("gaps.csv", "date,category,amount\n2024-01-05,books,12.50\n\n2024-02-02,music,8\n\n\n")
    assert read_sales(path) == [
        {"date": "2024-01-05", "category": "books", "amount": 12.5},
        {"date": "2024-02-02", "category": "music", "amount": 8.0},
    ]


def test_many_sales_in_order():
    """All sales are read, in the order of the file."""
    rows = [
        ("2024-03-11", "games", 22.0),
        ("2024-01-05", "books", 12.5),
        ("2024-02-20", "music", 15.75),
        ("2024-02-02", "books", 8.0),
        ("2024-01-17", "games", 30.0),
    ]
    text = "date,category,amount\n" + "".join(f"{d},{c},{a}\n" for d, c, a in rows)
    path = shared_file("many.csv", text)
    assert read_sales(path) == [{"date": d, "category": c, "amount": a} for d, c, a in rows]
