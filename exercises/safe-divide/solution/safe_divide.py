def safe_divide(a, b):
    try:
        return float(a) / float(b)
    except ValueError:
        return "Please type numbers"
    except ZeroDivisionError:
        return "Cannot divide by zero"
