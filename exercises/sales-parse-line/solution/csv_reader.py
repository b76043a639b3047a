def parse_sale(line):
    date, category, amount = line.strip().split(",")
    return {"date": date.strip(), "category": category.strip(), "amount": float(amount)}
