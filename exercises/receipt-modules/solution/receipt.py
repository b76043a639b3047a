import money


def receipt_lines(items):
    lines = []
    total = 0
    for name, cents in items:
        lines.append(f"{name}: {money.format_price(cents)}")
        total += cents
    lines.append(f"Total: {money.format_price(total)}")
    return lines
