def total_by_category(sales):
    totals = {}
    for sale in sales:
        category = sale["category"]
        totals[category] = totals.get(category, 0) + sale["amount"]
    return {category: round(total, 2) for category, total in totals.items()}


def best_month(sales):
    # 1. Make a dictionary: month -> total of that month.
    # 2. Find the month with the highest total.
    pass
