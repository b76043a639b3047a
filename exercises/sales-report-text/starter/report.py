def total_by_category(sales):
    totals = {}
    for sale in sales:
        category = sale["category"]
        totals[category] = totals.get(category, 0) + sale["amount"]
    return {category: round(total, 2) for category, total in totals.items()}


def best_month(sales):
    totals = {}
    for sale in sales:
        month = sale["date"][:7]
        totals[month] = totals.get(month, 0) + sale["amount"]
    best = None
    for month in sorted(totals):
        if best is None or totals[month] > totals[best]:
            best = month
    return best


def format_report(sales):
    lines = ["Sales report"]
    # Add a line per category (A to Z), then the total line and the best month line.
    return lines
