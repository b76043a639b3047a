def total_by_category(sales):
    totals = {}
    for sale in sales:
        # Add sale["amount"] to the total of sale["category"].
        pass
    return totals
