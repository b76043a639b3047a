def parse_sale(line):
    date, category, amount = line.strip().split(",")
    return {"date": date.strip(), "category": category.strip(), "amount": float(amount)}


def read_sales(path):
    with open(path, encoding="utf-8") as file:
        lines = file.readlines()
    sales = []
    for line in lines[1:]:
        if line.strip():
            sales.append(parse_sale(line))
    return sales
