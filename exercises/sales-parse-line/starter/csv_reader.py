def parse_sale(line):
    # Split the line at the commas, then build the dictionary.
    parts = line.split(",")
    return {"date": parts[0], "category": parts[1], "amount": parts[2]}
