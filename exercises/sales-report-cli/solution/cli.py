from csv_reader import read_sales
from report import format_report


def main(path):
    sales = read_sales(path)
    for line in format_report(sales):
        print(line)


if __name__ == "__main__":
    main(input("CSV file: "))
