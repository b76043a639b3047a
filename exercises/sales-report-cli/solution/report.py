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
    totals = total_by_category(sales)
    for category in sorted(totals):
        lines.append(f"{category}: {totals[category]:.2f}")
    total = sum(sale["amount"] for sale in sales)
    lines.append(f"Total: {total:.2f}")
    month = best_month(sales)
    lines.append(f"Best month: {month if month is not None else 'none'}")
    return lines
