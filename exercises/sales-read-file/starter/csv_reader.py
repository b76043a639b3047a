def parse_sale(line):
    date, category, amount = line.strip().split(",")
    return {"date": date.strip(), "category": category.strip(), "amount": float(amount)}


def read_sales(path):
    sales = []
    # Open the file, skip the header, and use parse_sale for each line.
    return sales
