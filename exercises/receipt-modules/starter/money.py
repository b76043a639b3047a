def format_price(cents):
    # 1250 cents should give "12.50".
    return str(cents / 100)
